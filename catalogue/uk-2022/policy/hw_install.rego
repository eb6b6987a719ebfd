# UK.HW.INSTALL: no new installation of the designated vendor's 5G equipment.
package netvet.requirements.uk_hw_install

fail := data.netvet.helpers.uk.fail("UK.HW.INSTALL", "designated_vendors", "is the designated vendor: no new installation of its 5G equipment (banned since the end of September 2021); existing equipment only until the removal deadlines")

not_applicable := data.netvet.helpers.uk.not_applicable("UK.HW.INSTALL", "designated_vendors", "designated vendor")

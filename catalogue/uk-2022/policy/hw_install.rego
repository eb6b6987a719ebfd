# UK.HW.INSTALL: no new installation of the designated vendor's equipment in 5G networks.
package netvet.requirements.uk_hw_install

fail := data.netvet.helpers.uk.fail("UK.HW.INSTALL", "designated_vendors", "is the designated vendor: its equipment may not be newly installed in 5G networks (government ban from 2021-09-30, binding by the direction of 2022-10-13); installed equipment only until the removal deadlines")

not_applicable := data.netvet.helpers.uk.not_applicable("UK.HW.INSTALL", "designated_vendors", "designated vendor")

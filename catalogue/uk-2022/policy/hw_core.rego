# UK.HW.CORE: the designated vendor out of network cores.
package netvet.requirements.uk_hw_core

fail := data.netvet.helpers.uk.fail("UK.HW.CORE", "designated_vendors", "is the designated vendor: its equipment must leave network cores (by 2023-12-31)")

not_applicable := data.netvet.helpers.uk.not_applicable("UK.HW.CORE", "designated_vendors", "designated vendor")

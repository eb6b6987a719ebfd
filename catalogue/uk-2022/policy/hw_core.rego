# UK.HW.CORE: the designated vendor out of network cores.
package netvet.requirements.uk_hw_core

fail := data.netvet.helpers.uk.fail("UK.HW.CORE", "designated_vendors", "is the designated vendor: its equipment must leave network cores (by 2023-12-31)")

pass := data.netvet.helpers.uk.pass("UK.HW.CORE", "designated_vendors", "designated vendor")

# UK.HW.SITES: the designated vendor's equipment out of sites significant to national security.
package netvet.requirements.uk_hw_sites

fail := data.netvet.helpers.uk.fail("UK.HW.SITES", "designated_vendors", "is the designated vendor: its equipment may not be at sites significant to national security (removal by 2023-01-28); the deployment's site is not in the evidence")

not_applicable := data.netvet.helpers.uk.not_applicable("UK.HW.SITES", "designated_vendors", "designated vendor")

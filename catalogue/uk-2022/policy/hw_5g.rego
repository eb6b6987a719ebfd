# UK.HW.5G: the designated vendor out of 5G networks by end-2027.
package netvet.requirements.uk_hw_5g

fail := data.netvet.helpers.uk.fail("UK.HW.5G", "designated_vendors", "is the designated vendor: all its equipment must leave 5G networks by 2027-12-31")

not_applicable := data.netvet.helpers.uk.not_applicable("UK.HW.5G", "designated_vendors", "designated vendor")

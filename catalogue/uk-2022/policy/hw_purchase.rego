# UK.HW.PURCHASE: no purchase of the designated vendor's new 5G equipment after 2020-12-31 (policy).
package netvet.requirements.uk_hw_purchase

fail := data.netvet.helpers.uk.fail("UK.HW.PURCHASE", "designated_vendors", "is the designated vendor: the government decided that no new 5G equipment of it be bought after 2020-12-31 (policy on NCSC advice, not binding)")

not_applicable := data.netvet.helpers.uk.not_applicable("UK.HW.PURCHASE", "designated_vendors", "designated vendor")

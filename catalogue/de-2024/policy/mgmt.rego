# DE.2024.MGMT: named vendors' critical management systems of access and transport networks
# replaced by 2029-12-31.
package netvet.requirements.de_2024_mgmt

fail := data.netvet.helpers.de2024.fail("DE.2024.MGMT", "its critical management systems of 5G access and transport networks must be replaced by 2029-12-31")

not_applicable := data.netvet.helpers.de2024.not_applicable("DE.2024.MGMT")

# DE.2024.CORE: named vendors' critical components out of 5G cores by 2026-12-31.
package netvet.requirements.de_2024_core

fail := data.netvet.helpers.de2024.fail("DE.2024.CORE", "its critical components may not be used in 5G core networks after 2026-12-31")

not_applicable := data.netvet.helpers.de2024.not_applicable("DE.2024.CORE")

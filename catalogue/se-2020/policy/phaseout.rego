# SE.PTS.PHASEOUT: Huawei and ZTE products out of existing central functions by 2025-01-01.
package netvet.requirements.se_pts_phaseout

fail := data.netvet.helpers.se.fail("SE.PTS.PHASEOUT", "products must be phased out of existing central functions used for services under the licence by 2025-01-01 (PTS condition)")

not_applicable := data.netvet.helpers.se.not_applicable("SE.PTS.PHASEOUT")

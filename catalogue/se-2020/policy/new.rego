# SE.PTS.NEW: no Huawei or ZTE products in new installations of central functions.
package netvet.requirements.se_pts_new

fail := data.netvet.helpers.se.fail("SE.PTS.NEW", "products may not be used in new installations or new implementation of central functions for radio use under the licence (PTS condition, from 2021-01-19)")

not_applicable := data.netvet.helpers.se.not_applicable("SE.PTS.NEW")

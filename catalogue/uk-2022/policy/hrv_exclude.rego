# UK.HRV.EXCLUDE: NCSC advice: no high-risk vendor in core and sensitive functions.
package netvet.requirements.uk_hrv_exclude

fail := data.netvet.helpers.uk.fail("UK.HRV.EXCLUDE", "high_risk_vendors", "is a high-risk vendor: the NCSC advises excluding it from core and sensitive functions (advice, not binding)")

not_applicable := data.netvet.helpers.uk.not_applicable("UK.HRV.EXCLUDE", "high_risk_vendors", "high-risk vendor")

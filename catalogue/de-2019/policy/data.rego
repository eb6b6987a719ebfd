# DE.KAT.DATA: confidential customer information does not flow to foreign states. A duty of the operator that netvet cannot observe:
# imposed as a condition on every product in a critical role.
package netvet.requirements.de_kat_data

fail contains data.netvet.lib.reason("the operator must ensure that confidential customer information handled by this function does not reach foreign states or their bodies", [])

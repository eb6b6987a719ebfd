# DE.KAT.INTEGRITY: the operator's side of software integrity. A duty netvet cannot observe:
# imposed as a condition on every product in a critical role.
package netvet.requirements.de_kat_integrity

fail contains data.netvet.lib.reason("the operator must protect this function's software against unauthorised manipulation, document every change to it and detect unauthorised access", [])

# DE.KAT.STAFF: only instructed specialist staff in security-relevant areas. A duty of the operator that netvet cannot observe:
# imposed as a condition on every product in a critical role.
package netvet.requirements.de_kat_staff

fail contains data.netvet.lib.reason("the operator may employ only instructed specialist staff in security-relevant areas, such as the operation of this function", [])

# DE.KAT.MONITOR: the operator monitors the network's security continuously. A duty of the operator that netvet cannot observe:
# imposed as a condition on every product in a critical role.
package netvet.requirements.de_kat_monitor

fail contains data.netvet.lib.reason("the operator must monitor this function's network traffic and security continuously for anomalies and act on them", [])

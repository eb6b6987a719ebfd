package netvet.tests.de_2024_core

import data.netvet.testing as t

test_named_vendor_fails_in_core if {
	t.status("DE.2024.CORE", "core:AMF", t.of_vendor("huawei", "Huawei")) == "fail"
	t.status("DE.2024.CORE", "core:UPF", t.of_vendor("zte", "ZTE")) == "fail"
}

test_other_vendors_are_out_of_scope if {
	t.status("DE.2024.CORE", "core:AMF", t.of_vendor("ericsson", "Ericsson")) == "not-applicable"
}

test_only_the_core_is_in_scope if {
	t.status("DE.2024.CORE", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "not-applicable"
	t.status("DE.2024.CORE", "management:EMS", t.of_vendor("huawei", "Huawei")) == "not-applicable"
}

test_prohibition_applies_from_the_end_of_2026 if {
	data.netvet.catalogue.requirements["DE.2024.CORE"].effective == "2026-12-31"
}

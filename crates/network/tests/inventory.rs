//! Reading inventories: valid rows become elements, bad rows are reported with file, line and
//! field and do not stop the others unless the read is strict.

use std::path::{Path, PathBuf};

use netvet_model::{Domain, InventoryElement, NetworkFunction};
use netvet_network::{Error, ReadOptions, ReadSummary, read_inventory};

const HEADER: &str = "operator,element_id,site,region,domain,function,vendor,product,version,installation_date,replacement_cost\n";

fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn read(path: &Path, strict: bool) -> Result<(Vec<InventoryElement>, ReadSummary), Error> {
    let mut out = Vec::new();
    let options = ReadOptions {
        strict,
        ..ReadOptions::default()
    };
    let s = read_inventory(path, &options, |e| out.push(e))?;
    Ok((out, s))
}

/// (line, field, message) of each row error.
fn errors(s: &ReadSummary) -> Vec<(u64, Option<&str>, &str)> {
    s.errors
        .iter()
        .map(|e| (e.line, e.field.as_deref(), e.message.as_str()))
        .collect()
}

#[test]
fn reads_valid_csv_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(
        dir.path(),
        "inv.csv",
        &format!(
            "{HEADER}Op A,gnb-1,Site 1,North,RAN,gNB,Huawei,Huawei 5G gNodeB,V100,2021-03-01,12000\nOp A,amf-1,DC 1,North,core,AMF,Ericsson,Ericsson 5G Core,1.2,2022-01-15,\n"
        ),
    );
    let (rows, s) = read(&p, false).expect("reads");
    assert_eq!((s.rows, s.accepted, s.rejected), (2, 2, 0));
    assert_eq!(rows[0].function, NetworkFunction::Gnb);
    assert_eq!(rows[0].domain, Domain::Ran);
    assert_eq!(rows[0].replacement_cost, Some(12000.0));
    assert_eq!(rows[1].replacement_cost, None);
    assert_eq!(rows[1].installation_date.to_string(), "2022-01-15");
}

#[test]
fn headers_may_use_spaces_and_any_case_and_extra_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(
        dir.path(),
        "inv.csv",
        "Operator,Element ID,Site,Region,Domain,Function,Vendor,Product,Version,Installation Date,Notes\nOp,e1,s,r,transport,router,Nokia,SR,1,2020-01-01,spare\n",
    );
    let (rows, _) = read(&p, false).expect("reads");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].function, NetworkFunction::Router);
}

#[test]
fn a_missing_column_is_an_error_at_the_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(
        dir.path(),
        "inv.csv",
        "operator,element_id,site,region,domain,function,vendor,product,version\nx\n",
    );
    let e = read(&p, false).expect_err("missing column");
    let text = e.to_string();
    assert!(
        text.contains("inv.csv:1: missing column(s): installation_date"),
        "{text}"
    );
}

#[test]
fn bad_rows_are_reported_with_line_and_field_and_the_rest_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = [
        "Op,e1,s,r,RAN,gNB,V,P,1,2020-01-01,",
        "Op,e2,s,r,RAN,AMF,V,P,1,2020-01-01,",
        "Op,e3,s,r,RAN,gNodeX,V,P,1,2020-01-01,",
        "Op,e4,s,r,radar,gNB,V,P,1,2020-01-01,",
        "Op,e5,s,r,RAN,gNB,V,P,1,2020-02-30,",
        "Op,e6,s,r,RAN,gNB,V,P,1,2020-01-01,-5",
        "Op,e1,s,r,RAN,gNB,V,P,1,2020-01-01,",
        "Op,,s,r,RAN,gNB,V,P,1,2020-01-01,",
        "Op,e9,s,r,RAN,gNB,V,P,1,2020-01-01,",
    ];
    let p = file(
        dir.path(),
        "inv.csv",
        &format!("{HEADER}{}\n", body.join("\n")),
    );
    let (rows, s) = read(&p, false).expect("reads");
    assert_eq!((s.rows, s.accepted, s.rejected), (9, 2, 7));
    assert_eq!(
        rows.iter()
            .map(|r| r.element_id.as_str())
            .collect::<Vec<_>>(),
        ["e1", "e9"]
    );
    let e = errors(&s);
    assert_eq!(
        e[0],
        (3, Some("function"), "AMF is not deployed in the RAN domain")
    );
    assert_eq!((e[1].0, e[1].1), (4, Some("function")));
    assert!(
        e[1].2.starts_with("unknown network function \"gNodeX\""),
        "{e:?}"
    );
    assert_eq!((e[2].0, e[2].1), (5, Some("domain")));
    assert_eq!(
        e[3],
        (
            6,
            Some("installation_date"),
            "\"2020-02-30\" is not a date: no such day"
        )
    );
    assert_eq!(
        e[4],
        (
            7,
            Some("replacement_cost"),
            "\"-5\" is not a non-negative number"
        )
    );
    assert_eq!(
        e[5],
        (
            8,
            Some("element_id"),
            "duplicate element id \"e1\" of operator \"Op\""
        )
    );
    assert_eq!(e[6], (9, Some("element_id"), "missing value"));
    assert_eq!(
        s.errors[0].to_string(),
        format!(
            "{}:3: function: AMF is not deployed in the RAN domain",
            p.display()
        )
    );
}

#[test]
fn a_strict_read_stops_at_the_first_bad_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(
        dir.path(),
        "inv.csv",
        &format!("{HEADER}Op,e1,s,r,RAN,gNB,V,P,1,2020-01-01,\nOp,e2,s,r,RAN,gNB,V,P,1,someday,\n"),
    );
    match read(&p, true) {
        Err(Error::Row(e)) => {
            assert_eq!((e.line, e.field.as_deref()), (3, Some("installation_date")))
        }
        other => panic!("expected a row error, got {other:?}"),
    }
}

#[test]
fn quoted_fields_with_line_breaks_keep_the_line_numbers_right() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(
        dir.path(),
        "inv.csv",
        &format!(
            "{HEADER}Op,e1,\"Site\nwith a break\",r,RAN,gNB,V,P,1,2020-01-01,\nOp,e2,s,r,RAN,gNB,V,P,1,bad,\n"
        ),
    );
    let (_, s) = read(&p, false).expect("reads");
    assert_eq!(
        errors(&s),
        [(
            4,
            Some("installation_date"),
            "\"bad\" is not a date (expected YYYY-MM-DD)"
        )]
    );
}

#[test]
fn json_arrays_and_json_lines_give_each_row_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let row = |id: &str, f: &str| {
        format!(
            "{{\"operator\": \"Op\", \"element_id\": \"{id}\", \"site\": \"s\", \"region\": \"r\", \"domain\": \"core\", \"function\": \"{f}\", \"vendor\": \"V\", \"product\": \"P\", \"version\": \"1\", \"installation_date\": \"2021-01-01\", \"replacement_cost\": 10.5}}"
        )
    };
    let array = format!(
        "[\n  {},\n  {},\n  {{\"operator\": 5,}}\n]\n",
        row("a", "AMF"),
        row("b", "gNB")
    );
    let p = file(dir.path(), "inv.json", &array);
    let (rows, s) = read(&p, false).expect("reads");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].replacement_cost, Some(10.5));
    assert_eq!(
        errors(&s)[0],
        (
            3,
            Some("function"),
            "gNB is not deployed in the core domain"
        )
    );
    assert_eq!(errors(&s)[1].0, 4);
    assert!(
        errors(&s)[1].2.starts_with("not a valid row object"),
        "{:?}",
        errors(&s)
    );

    let lines = format!(
        "{}\n{}\n\n{}\n",
        row("a", "AMF"),
        row("b", "SMF"),
        row("c", "UPF")
    );
    let p = file(dir.path(), "inv.jsonl", &lines);
    let (rows, s) = read(&p, false).expect("reads");
    assert_eq!((rows.len(), s.rejected), (3, 0));
}

#[test]
fn truncated_json_and_stray_text_are_row_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(dir.path(), "inv.jsonl", "garbage\n{\"operator\": \"Op\"\n");
    let (rows, s) = read(&p, false).expect("reads");
    assert!(rows.is_empty());
    assert_eq!(
        errors(&s),
        [
            (1, None, "expected an object ({…}) for each element"),
            (2, None, "the file ends inside this object"),
        ]
    );
}

#[test]
fn unknown_extensions_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(dir.path(), "inv.xlsx", "x");
    assert!(matches!(read(&p, false), Err(Error::UnknownFormat { .. })));
}

#[test]
fn an_unterminated_quote_loses_only_its_own_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from(HEADER);
    for i in 0..1000 {
        if i == 500 {
            // Line 502: the quote never closes, so a CSV parser takes the rest of the file
            // as one field.
            text.push_str("Op,broken,s1,North,RAN,gNB,Ericsson,\"ericsson-ran,23.Q4,2022-01-01,\n");
        }
        text.push_str(&format!(
            "Op,e{i},s1,North,RAN,gNB,Ericsson,ericsson-ran,23.Q4,2022-01-01,100\n"
        ));
    }
    let p = file(dir.path(), "inv.csv", &text);
    let (elements, s) = read(&p, false).expect("read");
    assert_eq!(elements.len(), 1000, "every valid row is kept");
    assert_eq!((s.rows, s.accepted, s.rejected), (1001, 1000, 1));
    let (line, _, message) = errors(&s)[0];
    assert_eq!(line, 502);
    assert!(message.contains("reading resumes at line 503"), "{message}");
    // The row after the broken one keeps its own line number.
    assert_eq!(elements[500].element_id, "e500");
    let strict = read(&p, true).expect_err("strict stops");
    assert!(strict.to_string().contains("inv.csv:502"), "{strict}");
}

#[test]
fn semicolon_and_tab_separated_exports_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A spreadsheet export in a locale with a decimal comma: semicolons, and a comma inside a
    // product name that is not a separator.
    let semi = file(
        dir.path(),
        "semi.csv",
        "\u{feff}Operator;Element ID;Site;Region;Domain;Function;Vendor;Product;Version;Installation Date\n\
         Op;e1;s;r;RAN;gNB;Ericsson;Radio 4408, B3;22.Q4;15.03.2021\n",
    );
    let (rows, s) = read(&semi, true).expect("reads");
    assert_eq!((s.accepted, s.rejected), (1, 0));
    assert_eq!(rows[0].product, "Radio 4408, B3");
    assert_eq!(rows[0].installation_date.to_string(), "2021-03-15");
    let tab = file(
        dir.path(),
        "tab.csv",
        "operator\telement_id\tsite\tregion\tdomain\tfunction\tvendor\tproduct\tversion\tinstallation_date\n\
         Op\te2\ts\tr\tcore\tUPF\tNokia\tCore, UPF\t1\t2022-01-15T08:30:00Z\n",
    );
    let (rows, _) = read(&tab, true).expect("reads");
    assert_eq!(rows[0].product, "Core, UPF");
    assert_eq!(rows[0].installation_date.to_string(), "2022-01-15");
}

#[test]
fn common_column_names_of_exports_are_recognised_and_own_names_win() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(
        dir.path(),
        "inv.csv",
        "Operator,NE Name,Site ID,Area,Network Domain,NE Type,Manufacturer,Model,SW Version,Commissioning Date,Product\n\
         Op,ne-1,s1,North,Radio,AAU,Huawei,AAU5613,V100R019,2020-06-01,Huawei 5G AAU\n",
    );
    let (rows, s) = read(&p, true).expect("reads");
    assert_eq!((s.accepted, s.rejected), (1, 0));
    let e = &rows[0];
    assert_eq!(
        (e.element_id.as_str(), e.site.as_str(), e.region.as_str()),
        ("ne-1", "s1", "North")
    );
    assert_eq!((e.domain, e.function), (Domain::Ran, NetworkFunction::Ru));
    assert_eq!(e.vendor, "Huawei");
    // `Product` is the column's own name: it wins over the alias `Model`.
    assert_eq!(e.product, "Huawei 5G AAU");
    assert_eq!(e.version, "V100R019");
    // Two aliases of one column without its own name are ambiguous.
    let twice = file(
        dir.path(),
        "twice.csv",
        "operator,NE Name,Node ID,site,region,domain,function,vendor,product,version,installation_date\n",
    );
    let err = read(&twice, false).expect_err("ambiguous");
    assert!(
        err.to_string().contains("column element_id appears twice"),
        "{err}"
    );
}

#[test]
fn json_keys_are_matched_like_csv_headers_and_numbers_are_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(
        dir.path(),
        "inv.json",
        r#"[{"operator": "Op", "elementId": 1001, "site": "s", "region": "r", "domain": "core",
             "networkFunction": "AMF", "vendor": "Nokia", "product": "Core", "softwareVersion": 23,
             "installationDate": "2023-05-02", "replacementCost": 1500.5},
            {"Operator": "Op", "Element ID": "e2", "Site": "s", "Region": "r", "Domain": "core",
             "Function": "SMF", "Vendor": "Nokia", "Product": "Core", "Version": "23",
             "Installation Date": "2023-05-02", "Replacement Cost": null, "notes": true}]"#,
    );
    let (rows, s) = read(&p, true).expect("reads");
    assert_eq!((s.accepted, s.rejected), (2, 0), "{:?}", errors(&s));
    assert_eq!(rows[0].element_id, "1001");
    assert_eq!(rows[0].version, "23");
    assert_eq!(rows[0].replacement_cost, Some(1500.5));
    assert_eq!(rows[1].replacement_cost, None);
    // A value that is neither text nor a number is a field error.
    let bad = file(
        dir.path(),
        "bad.json",
        r#"[{"operator": "Op", "element_id": ["x"], "site": "s", "region": "r", "domain": "core",
             "function": "AMF", "vendor": "V", "product": "P", "version": "1",
             "installation_date": "2023-05-02"}]"#,
    );
    let (_, s) = read(&bad, false).expect("reads");
    assert_eq!(
        errors(&s),
        vec![(1, Some("element_id"), "[\"x\"] is not a string or a number")]
    );
}

/// The licences an element is used under: a CSV cell of ids, or a JSON list; a bad id is a
/// row error on the `licences` field.
#[test]
fn licences_are_read_from_csv_cells_and_json_lists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = file(
        dir.path(),
        "inv.csv",
        "operator,element_id,site,region,domain,function,vendor,product,version,installation_date,Licence\n\
         Op A,gnb-1,S,N,RAN,gNB,Huawei,Huawei 5G gNodeB,V1,2021-03-01,\"SE-PTS-3.5GHZ-2021; se-pts-2.3ghz-2021\"\n\
         Op A,gnb-2,S,N,RAN,gNB,Huawei,Huawei 5G gNodeB,V1,2021-03-01,\n\
         Op A,gnb-3,S,N,RAN,gNB,Huawei,Huawei 5G gNodeB,V1,2021-03-01,se/pts\n",
    );
    let (rows, s) = read(&p, false).expect("reads");
    assert_eq!((s.accepted, s.rejected), (2, 1));
    assert_eq!(
        rows[0].licences,
        ["se-pts-2.3ghz-2021", "se-pts-3.5ghz-2021"]
    );
    assert!(rows[1].licences.is_empty());
    assert_eq!(rows[0].class().licences, rows[0].licences);
    let e = errors(&s);
    assert_eq!(e[0].0, 4);
    assert_eq!(e[0].1, Some("licences"));
    let p = file(
        dir.path(),
        "inv.json",
        r#"[{"operator":"Op A","element_id":"gnb-1","site":"S","region":"N","domain":"RAN","function":"gNB","vendor":"Huawei","product":"P","version":"1","installation_date":"2021-03-01","licences":["se-pts-3.5ghz-2021"]},
            {"operator":"Op A","element_id":"gnb-2","site":"S","region":"N","domain":"RAN","function":"gNB","vendor":"Huawei","product":"P","version":"1","installation_date":"2021-03-01","licences":[7]}]"#,
    );
    let (rows, s) = read(&p, false).expect("reads");
    assert_eq!((s.accepted, s.rejected), (1, 1));
    assert_eq!(rows[0].licences, ["se-pts-3.5ghz-2021"]);
    assert_eq!(errors(&s)[0].1, Some("licences"));
}

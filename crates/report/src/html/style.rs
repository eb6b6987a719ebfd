//! The page's inline style sheet.

pub(super) const CSS: &str = r#":root {
  --ink: #1d2939; --muted: #667085; --rule: #d0d5dd; --soft: #f5f6f8; --accent: #1f3a5f;
  --red: #b42318; --red-soft: #fef3f2; --amber: #b54708; --amber-soft: #fffaeb;
  --green: #2e6b2d; --green-soft: #edf7ed;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.page { background: var(--accent); color: #fff; }
header.page .wrap, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 32px; }
header.page .wrap { padding-top: 22px; padding-bottom: 20px; }
header.page code { background: rgba(255,255,255,.14); color: #fff; }
.kicker { margin: 0; font-size: 12px; letter-spacing: .08em; text-transform: uppercase; opacity: .8; }
h1 { font-size: 24px; font-weight: 600; margin: 4px 0 14px; }
h2 { font-size: 19px; font-weight: 600; margin: 40px 0 12px; padding-bottom: 6px;
  border-bottom: 2px solid var(--accent); }
h3 { font-size: 15px; font-weight: 600; margin: 22px 0 8px; }
h4 { font-size: 13px; font-weight: 600; margin: 10px 0 6px; color: var(--muted); }
.secno { display: inline-block; min-width: 1.6em; color: var(--muted); font-weight: 500; }
dl.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr));
  gap: 6px 28px; margin: 0; font-size: 13px; }
dl.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; opacity: .75; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
nav.toc { margin: 22px 0 0; padding: 12px 18px; border: 1px solid var(--rule); border-radius: 6px;
  background: var(--soft); }
nav.toc h2 { border: 0; margin: 0 0 4px; padding: 0; font-size: 13px; text-transform: uppercase;
  letter-spacing: .06em; color: var(--muted); }
nav.toc ol { margin: 0; padding-left: 22px; columns: 2; column-gap: 40px; }
nav.toc ol ol { columns: 1; padding-left: 18px; font-size: 12px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
.lead { color: var(--muted); margin: 4px 0 12px; max-width: 70em; }
.muted { color: var(--muted); }
.hot { color: var(--red); font-weight: 600; }
.note { color: var(--muted); font-style: italic; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 12px;
  margin: 8px 0 8px; }
.card { border: 1px solid var(--rule); border-left: 4px solid var(--accent); border-radius: 6px;
  padding: 10px 12px; }
.card.prohibited { border-left-color: var(--red); }
.card.conditional { border-left-color: #e09a2b; }
.card.allowed { border-left-color: #5b8c5a; }
.card.unassessed { border-left-color: #98a2b3; }
.card .label { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .sub { font-size: 12px; color: var(--muted); }
.scroll { overflow-x: auto; }
table.data { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: 13px; }
table.data th, table.data td { border-bottom: 1px solid var(--rule); padding: 5px 8px;
  text-align: left; vertical-align: top; }
table.data thead th { background: var(--soft); font-weight: 600; font-size: 12px;
  border-bottom: 1px solid #98a2b3; }
table.data tbody th { font-weight: 600; }
table.data tfoot th, table.data tfoot td { border-top: 2px solid var(--ink); border-bottom: 0;
  font-weight: 600; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data thead th.num { white-space: normal; }
table.data .date, table.data code { white-space: nowrap; overflow-wrap: normal; }
table.data code.evidence { white-space: normal; overflow-wrap: anywhere; }
table.verdicts tbody.verdict tr.head td { border-bottom: 0; padding-top: 9px; }
table.verdicts tbody.verdict tr.detail td { padding-top: 0; padding-bottom: 10px; }
table.verdicts tbody.verdict:target, table.verdicts tr:target { background: var(--amber-soft); }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  background: var(--soft); padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
ul.shares, ul.reasons, ul.evidence, .grounds ul { margin: 0; padding: 0; list-style: none; }
ul.shares li { margin: 0 0 1px; }
ul.shares .hot { white-space: nowrap; }
ul.reasons > li { margin: 3px 0; }
ul.evidence { display: flex; flex-wrap: wrap; gap: 3px 6px; margin-top: 2px; }
ul.evidence code { color: #344054; }
.grounds { display: grid; grid-template-columns: 90px 1fr; gap: 4px 10px; margin: 4px 0; }
.grounds ul li { margin: 1px 0; }
.tag { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted);
  padding-top: 2px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px;
  font-weight: 600; white-space: nowrap; border: 1px solid; }
.badge.red { color: var(--red); background: var(--red-soft); border-color: #fda29b; }
.badge.amber { color: var(--amber); background: var(--amber-soft); border-color: #fec84b; }
.badge.green { color: var(--green); background: var(--green-soft); border-color: #a6d3a5; }
.badge.grey { color: var(--muted); background: var(--soft); border-color: var(--rule); }
.alert { border: 2px solid var(--red); background: var(--red-soft); border-radius: 6px;
  padding: 4px 16px 8px; margin: 14px 0; }
.alert h3 { color: var(--red); }
.alert table.data { background: #fff; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(165px, 1fr));
  gap: 10px 20px; margin: 8px 0; }
dl.facts dt { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
dl.facts dd { margin: 0; font-size: 15px; font-variant-numeric: tabular-nums; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 20px; }
figure.chart { margin: 6px 0 18px; }
svg.chart { display: block; width: 100%; max-width: 960px; height: auto; }
svg.chart text { font-size: 12px; fill: var(--ink); }
svg.chart text.axis { font-size: 11px; fill: var(--muted); }
svg.chart text.inbar { font-size: 11px; font-weight: 600; }
svg.chart text.halo { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }
svg.chart text.flag { font-size: 11px; font-weight: 600; fill: var(--red); }
svg.chart text.value { font-size: 11px; }
svg.chart .hot { fill: var(--red); font-weight: 600; }
ul.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap;
  gap: 4px 18px; font-size: 12px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
  vertical-align: -2px; margin-right: 5px; }
.swatch.hatch { background: repeating-linear-gradient(45deg, var(--red) 0 2px, #fff 2px 5px);
  outline: 1.5px solid var(--red); outline-offset: -1.5px; }
.swatch.deadline { width: 0; height: 14px; border-left: 2px dashed var(--red); border-radius: 0; }
ul.warnings li, ul.deadlines li { margin: 3px 0; }
footer { color: var(--muted); font-size: 12px; padding-top: 12px; padding-bottom: 28px;
  border-top: 1px solid var(--rule); margin-top: 40px; }
ul.overview { font-size: 1.05rem; line-height: 1.5; padding-left: 1.2rem; }
ul.overview li { margin: 0.3rem 0; }
@media print {
  #overview { break-after: page; }
  header.page { background: none; color: var(--ink); border-bottom: 2px solid var(--accent); }
  header.page code { background: var(--soft); color: var(--ink); }
  nav.toc { display: none; }
  h2, h3 { break-after: avoid; }
  tr, figure, .card, .alert { break-inside: avoid; }
  .scroll { overflow: visible; }
}
"#;

//! `soc2 report`: the Markdown as a reviewed snapshot, the HTML parsed back (its
//! sections, its numbers against `status --format json`, nothing fetched, every value
//! escaped), and the same bytes for the same commit and day.

use crate::fixtures::{committed_small_store, evidence};

/// The report parsed back.
fn parse(html: &str) -> tl::VDom<'_> {
    tl::parse(html, tl::ParserOptions::default()).expect("the report parses as HTML")
}

fn attribute(dom: &tl::VDom, node: tl::NodeHandle, name: &str) -> Option<String> {
    node.get(dom.parser())?
        .as_tag()?
        .attributes()
        .get(name)
        .flatten()
        .map(|v| v.as_utf8_str().into_owned())
}

/// Every value of attribute `name` on any element.
fn all_attributes(dom: &tl::VDom, name: &str) -> Vec<String> {
    dom.nodes()
        .iter()
        .filter_map(|n| n.as_tag())
        .filter_map(|t| t.attributes().get(name).flatten())
        .map(|v| v.as_utf8_str().into_owned())
        .collect()
}

fn tags(dom: &tl::VDom, name: &str) -> usize {
    dom.nodes()
        .iter()
        .filter_map(|n| n.as_tag())
        .filter(|t| t.name().as_utf8_str().eq_ignore_ascii_case(name))
        .count()
}

#[test]
fn the_markdown_report() {
    let env = committed_small_store();
    let run = env.soc2(&["report", "--format", "markdown"]).success();
    insta::assert_snapshot!("markdown", run.stdout);
}

#[test]
fn the_html_report_holds_every_section_and_the_numbers_of_status() {
    let env = committed_small_store();
    let html = env.soc2(&["report"]).success().stdout;
    let dom = parse(&html);

    let ids = all_attributes(&dom, "id");
    for section in [
        "header",
        "readiness",
        "gaps",
        "criteria",
        "control-matrix",
        "exceptions",
        "exclusions",
        "risks",
        "policies",
        "program",
        "vendors",
        "internal-audit",
        "requests",
        "evidence",
    ] {
        assert!(
            ids.contains(&section.to_string()),
            "no #{section} in {ids:?}"
        );
    }
    // The program's twenty steps, one row each.
    assert_eq!(all_attributes(&dom, "data-step").len(), 20);
    // Two charts, inline.
    assert_eq!(tags(&dom, "svg"), 2);
    // Nothing runs, nothing is fetched.
    assert_eq!(tags(&dom, "script"), 0);
    assert_eq!(tags(&dom, "link"), 0);
    assert_eq!(tags(&dom, "img"), 0);
    assert_eq!(tags(&dom, "iframe"), 0);
    for name in ["src", "href", "xlink:href", "action", "srcset"] {
        for value in all_attributes(&dom, name) {
            assert!(
                value.starts_with('#'),
                "{name}={value} points outside the page"
            );
        }
    }
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("url("));

    // The numbers are status's.
    let status = env.soc2(&["status", "--format", "json"]).status();
    let scores = dom
        .query_selector("tr[data-scope]")
        .expect("a valid selector")
        .collect::<Vec<_>>();
    let mut expected = vec![("overall".to_string(), status.overall)];
    expected.extend(
        status
            .categories
            .iter()
            .map(|c| (c.category.as_str().to_string(), c.score)),
    );
    assert_eq!(scores.len(), expected.len());
    for (row, (name, score)) in scores.into_iter().zip(expected) {
        assert_eq!(
            attribute(&dom, row, "data-scope").as_deref(),
            Some(name.as_str())
        );
        assert_eq!(
            attribute(&dom, row, "data-readiness"),
            Some(format!("{:.1}", score.readiness))
        );
        assert_eq!(
            attribute(&dom, row, "data-met"),
            Some(score.met.to_string())
        );
        assert_eq!(
            attribute(&dom, row, "data-total"),
            Some(score.total.to_string())
        );
    }
    // The header names the commit and the day.
    let head = env.git(&["rev-parse", "HEAD"]);
    let commit = dom.get_element_by_id("commit").expect("#commit");
    assert_eq!(
        attribute(&dom, commit, "data-commit"),
        Some(head.trim().to_string())
    );
    let judged = dom.get_element_by_id("judged-on").expect("#judged-on");
    assert_eq!(
        judged.get(dom.parser()).unwrap().inner_text(dom.parser()),
        "2026-11-22"
    );
    // Each control's evidence, with its sha256.
    assert!(html.contains("evidence/AC-01/2026-10-02-mfa-report.csv"));
    let sha = soc2::model::Sha256Hex::of(b"report for AC-01 2026-10-02-mfa-report\n");
    assert!(html.contains(&sha.to_string()));

    // The same commit and day, the same bytes.
    assert_eq!(env.soc2(&["report"]).success().stdout, html);
}

#[test]
fn every_value_is_escaped() {
    let env = committed_small_store();
    let yaml = env.read("controls/BC-01.yaml").replace(
        "title: Daily backups",
        "title: \"Backups <script>alert('x')</script> & <b>restore</b>\"",
    );
    env.write("controls/BC-01.yaml", yaml);
    env.commit_all("a title with markup");
    let html = env.soc2(&["report"]).success().stdout;
    assert!(html.contains(
        "Backups &lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;restore&lt;/b&gt;"
    ));
    assert_eq!(tags(&parse(&html), "script"), 0);
    assert_eq!(tags(&parse(&html), "b"), 0);
}

#[test]
fn a_report_names_the_commit_it_was_built_from() {
    let env = committed_small_store();
    let first = env.git(&["rev-parse", "HEAD"]);
    evidence(
        &env,
        "AC-02",
        "2026-10-05-access-review",
        ("2026-07-01", "2026-09-30"),
        "2026-10-05",
    );
    env.commit_all("Q3 access review");
    // From an earlier revision, to a file.
    let out = env.repo.parent().unwrap().join("report.md");
    let run = env
        .soc2(&[
            "report",
            "--rev",
            "HEAD~1",
            "--format",
            "markdown",
            "--out",
            out.to_str().unwrap(),
        ])
        .success();
    assert!(
        run.stdout.contains(&format!("(commit {})", &first[..12])),
        "{run}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains(&format!("- Built from commit: `{}`", &first[..12])));
    assert!(!text.contains("2026-10-05-access-review"));
    // The working tree with changes: said in the report and on stderr.
    env.write(
        "controls/BC-01.yaml",
        env.read("controls/BC-01.yaml")
            .replace("designed", "implemented"),
    );
    let run = env.soc2(&["report", "--format", "markdown"]).success();
    assert!(run.stderr.contains("uncommitted changes"), "{run}");
    assert!(run.stdout.contains("with uncommitted changes`"), "{run}");
}

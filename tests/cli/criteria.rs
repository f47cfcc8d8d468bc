use crate::common::Env;

#[test]
fn lists_all_61() {
    let env = Env::new();
    let run = env.soc2(&["criteria", "--format", "json"]).success();
    assert_eq!(run.parse::<Vec<serde_json::Value>>().len(), 61);
}

#[test]
fn table_of_one_category() {
    let env = Env::new();
    insta::assert_snapshot!(
        env.soc2(&["criteria", "--category", "availability"])
            .success()
    );
}

#[test]
fn json_of_one_category() {
    let env = Env::new();
    insta::assert_snapshot!(
        env.soc2(&[
            "criteria",
            "--category",
            "confidentiality",
            "--format",
            "json"
        ])
        .success()
    );
}

#[test]
fn unknown_category_is_a_usage_error() {
    let env = Env::new();
    insta::assert_snapshot!(env.soc2(&["criteria", "--category", "secrets"]).code(2));
}

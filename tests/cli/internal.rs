//! What a user sees when soc2 itself has a bug.

use crate::common::Env;

#[test]
fn a_panic_is_an_internal_error_with_exit_2() {
    let env = Env::new();
    let run = env.soc2_with(&["criteria"], &[("SOC2_DEBUG_PANIC", "1")]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stdout.is_empty(), "{run}");
    assert!(
        run.stderr.starts_with(&format!(
            "error: internal error in soc2 {}: SOC2_DEBUG_PANIC is set at src/commands/output.rs:",
            env!("CARGO_PKG_VERSION")
        )),
        "{run}"
    );
    assert!(run.stderr.contains("This is a bug in soc2"), "{run}");
}

//! "Did you mean" suggestions for mistyped names and IDs.

/// The candidate closest to `typed`, if it is close enough to be a likely typo.
pub fn closest<'a, I>(typed: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let typed_lower = typed.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(&typed_lower, &candidate.to_lowercase());
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// "unknown control `AC-1`, did you mean `AC-01`?" (the question only when one is close).
pub fn unknown<'a, I>(noun: &str, typed: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    // The same ID is never a suggestion: it exists but did not qualify, and the caller
    // says why.
    match closest(typed, candidates.into_iter().filter(|c| *c != typed)) {
        Some(best) => format!("unknown {noun} `{typed}`, did you mean `{best}`?"),
        None => format!("unknown {noun} `{typed}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_near_misses_only() {
        let fields = ["title", "owner", "criteria", "status", "frequency"];
        assert_eq!(closest("ownr", fields), Some("owner"));
        assert_eq!(closest("critera", fields), Some("criteria"));
        assert_eq!(closest("Status", fields), Some("status"));
        assert_eq!(closest("xyzzy", fields), None);
    }
}

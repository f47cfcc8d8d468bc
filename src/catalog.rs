//! The AICPA Trust Services Criteria (2017, points of focus revised 2022), built in.
//! Titles are short summaries in our own words, not the AICPA's text.

use serde::{Deserialize, Serialize};

/// A Trust Services category. Security (the common criteria) is always in scope.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Security,
    Availability,
    Confidentiality,
    ProcessingIntegrity,
    Privacy,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Security,
        Category::Availability,
        Category::Confidentiality,
        Category::ProcessingIntegrity,
        Category::Privacy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Availability => "availability",
            Category::Confidentiality => "confidentiality",
            Category::ProcessingIntegrity => "processing-integrity",
            Category::Privacy => "privacy",
        }
    }

    /// The category's name as a heading: "Processing integrity".
    pub fn title(self) -> &'static str {
        match self {
            Category::Security => "Security",
            Category::Availability => "Availability",
            Category::Confidentiality => "Confidentiality",
            Category::ProcessingIntegrity => "Processing integrity",
            Category::Privacy => "Privacy",
        }
    }

    pub fn parse(text: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Criterion {
    pub id: &'static str,
    pub category: Category,
    /// The series, e.g. `CC6`, and its name.
    pub series: &'static str,
    pub series_name: &'static str,
    pub title: &'static str,
    /// The COSO 2013 principle (1-17) a CC1-CC5 criterion carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coso_principle: Option<u8>,
}

const fn cc(
    id: &'static str,
    series: &'static str,
    series_name: &'static str,
    coso: u8,
    title: &'static str,
) -> Criterion {
    Criterion {
        id,
        category: Category::Security,
        series,
        series_name,
        title,
        coso_principle: if coso == 0 { None } else { Some(coso) },
    }
}

const fn other(
    id: &'static str,
    category: Category,
    series: &'static str,
    series_name: &'static str,
    title: &'static str,
) -> Criterion {
    Criterion {
        id,
        category,
        series,
        series_name,
        title,
        coso_principle: None,
    }
}

const ENV: &str = "Control environment";
const COMM: &str = "Communication and information";
const RISK: &str = "Risk assessment";
const MON: &str = "Monitoring activities";
const ACT: &str = "Control activities";
const ACCESS: &str = "Logical and physical access";
const OPS: &str = "System operations";
const CHANGE: &str = "Change management";
const MITIGATION: &str = "Risk mitigation";

use Category::{Availability, Confidentiality, Privacy, ProcessingIntegrity};

/// All 61 criteria in catalogue order.
pub static CRITERIA: [Criterion; 61] = [
    cc(
        "CC1.1",
        "CC1",
        ENV,
        1,
        "Commitment to integrity and ethical values",
    ),
    cc(
        "CC1.2",
        "CC1",
        ENV,
        2,
        "Independent board oversight of internal control",
    ),
    cc(
        "CC1.3",
        "CC1",
        ENV,
        3,
        "Structures, reporting lines and authority",
    ),
    cc(
        "CC1.4",
        "CC1",
        ENV,
        4,
        "Attracting, developing and keeping competent people",
    ),
    cc(
        "CC1.5",
        "CC1",
        ENV,
        5,
        "Holding people accountable for their control duties",
    ),
    cc(
        "CC2.1",
        "CC2",
        COMM,
        13,
        "Relevant, good-quality information supports internal control",
    ),
    cc(
        "CC2.2",
        "CC2",
        COMM,
        14,
        "Internal communication of objectives and responsibilities",
    ),
    cc(
        "CC2.3",
        "CC2",
        COMM,
        15,
        "Communication with external parties",
    ),
    cc(
        "CC3.1",
        "CC3",
        RISK,
        6,
        "Objectives clear enough to identify risks against",
    ),
    cc(
        "CC3.2",
        "CC3",
        RISK,
        7,
        "Identifying and analysing risks to objectives",
    ),
    cc(
        "CC3.3",
        "CC3",
        RISK,
        8,
        "Considering the potential for fraud",
    ),
    cc(
        "CC3.4",
        "CC3",
        RISK,
        9,
        "Assessing changes that could affect internal control",
    ),
    cc(
        "CC4.1",
        "CC4",
        MON,
        16,
        "Ongoing and separate evaluations of controls",
    ),
    cc(
        "CC4.2",
        "CC4",
        MON,
        17,
        "Evaluating and reporting control deficiencies in time",
    ),
    cc(
        "CC5.1",
        "CC5",
        ACT,
        10,
        "Control activities that bring risks to acceptable levels",
    ),
    cc("CC5.2", "CC5", ACT, 11, "General controls over technology"),
    cc(
        "CC5.3",
        "CC5",
        ACT,
        12,
        "Policies and procedures that put controls into practice",
    ),
    cc(
        "CC6.1",
        "CC6",
        ACCESS,
        0,
        "Logical access security over protected assets",
    ),
    cc(
        "CC6.2",
        "CC6",
        ACCESS,
        0,
        "Registering and authorising users before access",
    ),
    cc(
        "CC6.3",
        "CC6",
        ACCESS,
        0,
        "Granting, changing and removing access by least privilege",
    ),
    cc(
        "CC6.4",
        "CC6",
        ACCESS,
        0,
        "Restricting physical access to facilities and assets",
    ),
    cc(
        "CC6.5",
        "CC6",
        ACCESS,
        0,
        "Retiring physical assets and wiping their data",
    ),
    cc(
        "CC6.6",
        "CC6",
        ACCESS,
        0,
        "Protection against threats from outside the system boundary",
    ),
    cc(
        "CC6.7",
        "CC6",
        ACCESS,
        0,
        "Protecting information as it moves or leaves",
    ),
    cc(
        "CC6.8",
        "CC6",
        ACCESS,
        0,
        "Preventing and detecting unauthorised or malicious software",
    ),
    cc(
        "CC7.1",
        "CC7",
        OPS,
        0,
        "Detecting configuration changes and new vulnerabilities",
    ),
    cc(
        "CC7.2",
        "CC7",
        OPS,
        0,
        "Monitoring for anomalies that signal attacks or failures",
    ),
    cc(
        "CC7.3",
        "CC7",
        OPS,
        0,
        "Evaluating security events to find incidents",
    ),
    cc("CC7.4", "CC7", OPS, 0, "Responding to security incidents"),
    cc("CC7.5", "CC7", OPS, 0, "Recovering from security incidents"),
    cc(
        "CC8.1",
        "CC8",
        CHANGE,
        0,
        "Authorising, testing and approving changes before release",
    ),
    cc(
        "CC9.1",
        "CC9",
        MITIGATION,
        0,
        "Mitigating the risk of business disruption",
    ),
    cc(
        "CC9.2",
        "CC9",
        MITIGATION,
        0,
        "Assessing and managing vendor and partner risk",
    ),
    other(
        "A1.1",
        Availability,
        "A1",
        "Availability",
        "Planning and managing capacity",
    ),
    other(
        "A1.2",
        Availability,
        "A1",
        "Availability",
        "Environmental protection, backups and recovery infrastructure",
    ),
    other(
        "A1.3",
        Availability,
        "A1",
        "Availability",
        "Testing the recovery plan",
    ),
    other(
        "C1.1",
        Confidentiality,
        "C1",
        "Confidentiality",
        "Identifying and protecting confidential information",
    ),
    other(
        "C1.2",
        Confidentiality,
        "C1",
        "Confidentiality",
        "Disposing of confidential information",
    ),
    other(
        "PI1.1",
        ProcessingIntegrity,
        "PI1",
        "Processing integrity",
        "Defining data and processing specifications",
    ),
    other(
        "PI1.2",
        ProcessingIntegrity,
        "PI1",
        "Processing integrity",
        "Complete and accurate inputs",
    ),
    other(
        "PI1.3",
        ProcessingIntegrity,
        "PI1",
        "Processing integrity",
        "Complete, accurate and timely processing",
    ),
    other(
        "PI1.4",
        ProcessingIntegrity,
        "PI1",
        "Processing integrity",
        "Complete, accurate and timely outputs",
    ),
    other(
        "PI1.5",
        ProcessingIntegrity,
        "PI1",
        "Processing integrity",
        "Storing inputs, work in progress and outputs intact",
    ),
    other(
        "P1.1",
        Privacy,
        "P1",
        "Notice",
        "Telling data subjects about privacy practices",
    ),
    other(
        "P2.1",
        Privacy,
        "P2",
        "Choice and consent",
        "Offering choice and obtaining consent",
    ),
    other(
        "P3.1",
        Privacy,
        "P3",
        "Collection",
        "Collecting only what the objectives need",
    ),
    other(
        "P3.2",
        Privacy,
        "P3",
        "Collection",
        "Explicit consent where collection requires it",
    ),
    other(
        "P4.1",
        Privacy,
        "P4",
        "Use, retention and disposal",
        "Using personal information only as stated",
    ),
    other(
        "P4.2",
        Privacy,
        "P4",
        "Use, retention and disposal",
        "Keeping personal information only as long as needed",
    ),
    other(
        "P4.3",
        Privacy,
        "P4",
        "Use, retention and disposal",
        "Disposing of personal information securely",
    ),
    other(
        "P5.1",
        Privacy,
        "P5",
        "Access",
        "Letting data subjects see their information",
    ),
    other(
        "P5.2",
        Privacy,
        "P5",
        "Access",
        "Correcting personal information on request",
    ),
    other(
        "P6.1",
        Privacy,
        "P6",
        "Disclosure and notification",
        "Disclosing to third parties only with consent",
    ),
    other(
        "P6.2",
        Privacy,
        "P6",
        "Disclosure and notification",
        "Keeping a record of authorised disclosures",
    ),
    other(
        "P6.3",
        Privacy,
        "P6",
        "Disclosure and notification",
        "Keeping a record of unauthorised disclosures",
    ),
    other(
        "P6.4",
        Privacy,
        "P6",
        "Disclosure and notification",
        "Privacy commitments from vendors and partners",
    ),
    other(
        "P6.5",
        Privacy,
        "P6",
        "Disclosure and notification",
        "Vendors report unauthorised disclosures",
    ),
    other(
        "P6.6",
        Privacy,
        "P6",
        "Disclosure and notification",
        "Notifying people affected by a breach",
    ),
    other(
        "P6.7",
        Privacy,
        "P6",
        "Disclosure and notification",
        "Accounting for personal information held and disclosed",
    ),
    other(
        "P7.1",
        Privacy,
        "P7",
        "Quality",
        "Keeping personal information accurate and complete",
    ),
    other(
        "P8.1",
        Privacy,
        "P8",
        "Monitoring and enforcement",
        "Handling privacy inquiries, complaints and disputes",
    ),
];

pub fn find(id: &str) -> Option<&'static Criterion> {
    CRITERIA.iter().find(|c| c.id == id)
}

pub fn in_category(category: Category) -> impl Iterator<Item = &'static Criterion> {
    CRITERIA.iter().filter(move |c| c.category == category)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_every_criterion_once() {
        let count = |c| in_category(c).count();
        assert_eq!(count(Category::Security), 33);
        assert_eq!(count(Category::Availability), 3);
        assert_eq!(count(Category::Confidentiality), 2);
        assert_eq!(count(Category::ProcessingIntegrity), 5);
        assert_eq!(count(Category::Privacy), 18);
        let mut ids: Vec<_> = CRITERIA.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 61);
    }

    #[test]
    fn coso_principles_follow_the_published_mapping() {
        let principle = |id| find(id).unwrap().coso_principle;
        // CC1 = 1-5, CC3 = 6-9, CC5 = 10-12, CC2 = 13-15, CC4 = 16-17.
        assert_eq!(principle("CC1.1"), Some(1));
        assert_eq!(principle("CC1.5"), Some(5));
        assert_eq!(principle("CC3.1"), Some(6));
        assert_eq!(principle("CC3.4"), Some(9));
        assert_eq!(principle("CC5.1"), Some(10));
        assert_eq!(principle("CC5.3"), Some(12));
        assert_eq!(principle("CC2.1"), Some(13));
        assert_eq!(principle("CC2.3"), Some(15));
        assert_eq!(principle("CC4.1"), Some(16));
        assert_eq!(principle("CC4.2"), Some(17));
        assert_eq!(principle("CC6.1"), None);
        let mut all: Vec<u8> = CRITERIA.iter().filter_map(|c| c.coso_principle).collect();
        all.sort();
        assert_eq!(all, (1..=17).collect::<Vec<u8>>());
    }

    #[test]
    fn ids_carry_their_series() {
        for criterion in &CRITERIA {
            assert!(
                criterion.id.starts_with(&format!("{}.", criterion.series)),
                "{}",
                criterion.id
            );
        }
    }
}

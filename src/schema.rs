//! JSON Schemas of the store's files, generated from the model, so that editors with
//! a YAML language server validate and complete them as soc2 reads them.

use crate::model::{
    AuditFinding, Control, ControlTest, Evidence, Policy, Program, Request, Risk,
    SystemDescription, Vendor,
};

/// Where a store keeps its copies of the schemas.
pub const SCHEMA_DIR: &str = "schema";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Program,
    Control,
    Policy,
    Evidence,
    Risk,
    Test,
    Finding,
    Vendor,
    System,
    Request,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Program,
        Kind::Control,
        Kind::Policy,
        Kind::Evidence,
        Kind::Risk,
        Kind::Test,
        Kind::Finding,
        Kind::Vendor,
        Kind::System,
        Kind::Request,
    ];

    /// The kind a name (`control`) stands for.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Program => "program",
            Kind::Control => "control",
            Kind::Policy => "policy",
            Kind::Evidence => "evidence",
            Kind::Risk => "risk",
            Kind::Test => "test",
            Kind::Finding => "finding",
            Kind::Vendor => "vendor",
            Kind::System => "system",
            Kind::Request => "request",
        }
    }

    /// The files of this kind in a store.
    pub fn files(self) -> &'static str {
        match self {
            Kind::Program => "soc2.yaml",
            Kind::Control => "controls/<ID>.yaml",
            Kind::Policy => "policies/<ID>.yaml",
            Kind::Evidence => "evidence/<CONTROL>/<DATE>-<SLUG>.yaml",
            Kind::Risk => "risks/<ID>.yaml",
            Kind::Test => "tests/<CONTROL>/<DATE>-<SLUG>.yaml",
            Kind::Finding => "findings/<F-ID>.yaml",
            Kind::Vendor => "vendors/<ID>.yaml",
            Kind::System => "system/description.yaml",
            Kind::Request => "requests/<ID>.yaml",
        }
    }

    /// `schema/control.json`.
    pub fn path(self) -> String {
        format!("{SCHEMA_DIR}/{}.json", self.name())
    }

    /// The schema as pretty JSON with a trailing newline.
    pub fn generate(self) -> String {
        let (title, schema) = match self {
            Kind::Program => ("soc2 program (soc2.yaml)", schemars::schema_for!(Program)),
            Kind::Control => ("soc2 control", schemars::schema_for!(Control)),
            Kind::Policy => ("soc2 policy", schemars::schema_for!(Policy)),
            Kind::Evidence => ("soc2 evidence record", schemars::schema_for!(Evidence)),
            Kind::Risk => ("soc2 risk", schemars::schema_for!(Risk)),
            Kind::Test => ("soc2 control test", schemars::schema_for!(ControlTest)),
            Kind::Finding => ("soc2 finding", schemars::schema_for!(AuditFinding)),
            Kind::Vendor => ("soc2 vendor", schemars::schema_for!(Vendor)),
            Kind::System => (
                "soc2 system description (system/description.yaml)",
                schemars::schema_for!(SystemDescription),
            ),
            Kind::Request => ("soc2 auditor request", schemars::schema_for!(Request)),
        };
        let mut value = schema.to_value();
        value["title"] = serde_json::Value::String(title.to_string());
        let mut text = serde_json::to_string_pretty(&value).expect("schemas serialize");
        text.push('\n');
        text
    }

    /// The first line of a file of this kind at `path` (relative to the store's root),
    /// pointing a YAML language server at the store's copy of the schema.
    pub fn header(self, path: &str) -> String {
        let up = "../".repeat(path.matches('/').count());
        format!("# yaml-language-server: $schema={up}{}\n", self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_point_up_to_the_schema_folder() {
        assert_eq!(
            Kind::Program.header("soc2.yaml"),
            "# yaml-language-server: $schema=schema/program.json\n"
        );
        assert_eq!(
            Kind::Control.header("controls/AC-01.yaml"),
            "# yaml-language-server: $schema=../schema/control.json\n"
        );
        assert_eq!(
            Kind::Evidence.header("evidence/AC-01/2026-10-03-x.yaml"),
            "# yaml-language-server: $schema=../../schema/evidence.json\n"
        );
    }

    #[test]
    fn schemas_forbid_unknown_fields_and_list_the_criteria() {
        let control: serde_json::Value = serde_json::from_str(&Kind::Control.generate()).unwrap();
        assert_eq!(control["additionalProperties"], false);
        assert_eq!(
            control["properties"]["criteria"]["items"]["enum"]
                .as_array()
                .unwrap()
                .len(),
            61
        );
        assert_eq!(
            control["required"],
            serde_json::json!(["title", "status", "frequency"])
        );
    }
}

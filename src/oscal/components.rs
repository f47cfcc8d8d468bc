//! The store's controls as an OSCAL component definition: one component per control,
//! implementing the criteria of `catalog.json` it maps to.

use crate::catalog;
use crate::model::{ControlStatus, Store, owner_is_set};
use crate::readiness::{Assessment, ControlResult};

use super::model::{
    Component, ComponentDefinition, ComponentDefinitionDocument, ControlImplementation,
    ImplementedRequirement,
};
use super::{CATALOG_FILE, Names, line_or, prop};

pub(super) fn build(
    names: &Names,
    store: &Store,
    assessment: &Assessment,
) -> ComponentDefinitionDocument {
    let mut metadata = names.metadata(
        format!("{}: SOC 2 controls", names.organisation),
        names.pin.version(),
    );
    metadata.parties = vec![names.party("component-definition")];
    ComponentDefinitionDocument {
        component_definition: ComponentDefinition {
            uuid: names.revision("component-definition"),
            metadata,
            components: assessment
                .controls
                .iter()
                .map(|control| component(names, store, control))
                .collect(),
        },
    }
}

fn component(names: &Names, store: &Store, control: &ControlResult) -> Component {
    let record = store.control(&control.id);
    let record_path = record.map_or_else(
        || format!("controls/{}.yaml", control.id),
        |r| r.path.clone(),
    );
    let record = record.map(|r| &r.value);
    let title = line_or(Some(&control.title), &control.id);
    let mut props = vec![
        prop("control-id", &control.id),
        prop("status", control.status.as_str()),
    ];
    // `owner: TODO` is no owner.
    if let Some(owner) = control.owner.as_deref().filter(|o| owner_is_set(Some(o))) {
        props.push(prop("owner", owner));
    }
    props.push(prop("frequency", control.frequency.as_str()));
    // Criteria the catalogue does not know cannot be loaded; skip them all the same,
    // so that every control-id resolves in the catalog.
    let requirements: Vec<ImplementedRequirement> = control
        .criteria
        .iter()
        .filter_map(|id| catalog::find(id))
        .map(|criterion| ImplementedRequirement {
            uuid: names.subject("implemented-requirement", &[&control.id, criterion.id]),
            control_id: criterion.id.to_string(),
            description: format!(
                "{} ({title}) supports {}: {}.",
                control.id, criterion.id, criterion.title
            ),
        })
        .collect();
    let control_implementations = if requirements.is_empty() {
        Vec::new()
    } else {
        vec![ControlImplementation {
            uuid: names.subject("control-implementation", &[&control.id]),
            source: CATALOG_FILE.to_string(),
            description: format!(
                "The Trust Services Criteria that {} supports, as {} maps them.",
                control.id, record_path
            ),
            implemented_requirements: requirements,
        }]
    };
    let description = record
        .and_then(|c| c.description.as_deref())
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map_or_else(|| title.clone(), str::to_string);
    Component {
        uuid: names.subject("component", &[&control.id]),
        kind: "process-procedure".to_string(),
        title,
        description,
        props,
        control_implementations,
        remarks: record
            .filter(|c| c.status == ControlStatus::NotApplicable)
            .and_then(|c| c.reason.as_deref())
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|reason| format!("Not applicable: {reason}")),
    }
}

//! The built-in criteria as an OSCAL catalog: a group per category, holding a group
//! per series, holding a control per criterion. Ids and our short titles only: the
//! criteria's text is the AICPA's.

use crate::catalog::{self, Category, Criterion};

use super::model::{Catalog, CatalogControl, CatalogDocument, Group, Property};
use super::{Names, prop};

pub(super) fn build(names: &Names) -> CatalogDocument {
    let mut metadata = names.metadata(
        "Trust Services Criteria (TSC 2017)".to_string(),
        "2017, points of focus revised 2022".to_string(),
    );
    metadata.remarks = Some(match metadata.remarks.take() {
        Some(uncommitted) => format!("{REMARKS}\n\n{uncommitted}"),
        None => REMARKS.to_string(),
    });
    CatalogDocument {
        catalog: Catalog {
            uuid: names.revision("catalog"),
            metadata,
            groups: Category::ALL.into_iter().map(category_group).collect(),
        },
    }
}

const REMARKS: &str = "The identifiers of the AICPA's Trust Services Criteria (2017, points of focus revised 2022), each with a short title in soc2's own words, its category, its series and, for CC1-CC5, the COSO 2013 principle it carries. The criteria's text is the AICPA's and is not reproduced here.";

fn category_group(category: Category) -> Group {
    let mut series: Vec<Group> = Vec::new();
    for criterion in catalog::in_category(category) {
        if series.last().is_none_or(|s| s.id != criterion.series) {
            series.push(Group {
                id: criterion.series.to_string(),
                class: "series".to_string(),
                title: criterion.series_name.to_string(),
                props: Vec::new(),
                groups: Vec::new(),
                controls: Vec::new(),
            });
        }
        if let Some(group) = series.last_mut() {
            group.controls.push(control(criterion));
        }
    }
    Group {
        id: category.as_str().to_string(),
        class: "category".to_string(),
        title: category.title().to_string(),
        props: Vec::new(),
        groups: series,
        controls: Vec::new(),
    }
}

fn control(criterion: &Criterion) -> CatalogControl {
    let mut props = vec![
        Property {
            name: "label".to_string(),
            ns: None,
            value: criterion.id.to_string(),
            class: None,
            remarks: None,
        },
        prop("category", criterion.category.as_str()),
        prop("series", criterion.series),
    ];
    if let Some(principle) = criterion.coso_principle {
        props.push(prop("coso-principle", &principle.to_string()));
    }
    CatalogControl {
        id: criterion.id.to_string(),
        class: "criterion".to_string(),
        title: criterion.title.to_string(),
        props,
    }
}

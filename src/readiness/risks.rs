//! The risk register's state: a risk treated by mitigation is open until every control
//! that mitigates it is ready.

use serde::{Deserialize, Serialize};

use super::{Assessment, ControlState};
use crate::model::{Risk, Treatment};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskStatus {
    /// Treated by mitigation, and a mitigating control is not ready (or there is none).
    Open,
    Mitigated,
    Accepted,
    Transferred,
    Avoided,
}

impl RiskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskStatus::Open => "open",
            RiskStatus::Mitigated => "mitigated",
            RiskStatus::Accepted => "accepted",
            RiskStatus::Transferred => "transferred",
            RiskStatus::Avoided => "avoided",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MitigatingControl {
    pub id: String,
    /// `None` when the control does not exist.
    pub state: Option<ControlState>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskResult {
    pub id: String,
    pub title: String,
    pub likelihood: u8,
    pub impact: u8,
    pub score: u32,
    pub treatment: Treatment,
    pub owner: Option<String>,
    pub status: RiskStatus,
    pub controls: Vec<MitigatingControl>,
}

pub fn assess_risk(risk: &Risk, assessment: &Assessment) -> RiskResult {
    let controls: Vec<MitigatingControl> = risk
        .controls
        .iter()
        .map(|id| MitigatingControl {
            id: id.clone(),
            state: assessment.control(id).map(|c| c.state),
        })
        .collect();
    let all_ready = !controls.is_empty()
        && controls
            .iter()
            .all(|c| c.state == Some(ControlState::Ready));
    let status = match risk.treatment {
        Treatment::Mitigate if all_ready => RiskStatus::Mitigated,
        Treatment::Mitigate => RiskStatus::Open,
        Treatment::Accept => RiskStatus::Accepted,
        Treatment::Transfer => RiskStatus::Transferred,
        Treatment::Avoid => RiskStatus::Avoided,
    };
    RiskResult {
        id: risk.id.clone(),
        title: risk.title.clone(),
        likelihood: risk.likelihood,
        impact: risk.impact,
        score: risk.score(),
        treatment: risk.treatment,
        owner: risk.owner.clone(),
        status,
        controls,
    }
}

/// Every risk, highest score first (then by ID).
pub fn assess_risks<'a>(
    risks: impl Iterator<Item = &'a Risk>,
    assessment: &Assessment,
) -> Vec<RiskResult> {
    let mut out: Vec<RiskResult> = risks.map(|r| assess_risk(r, assessment)).collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    out
}

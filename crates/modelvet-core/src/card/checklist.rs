//! The checklist: each item, its weight and the severity of failing it, and
//! the context every item is judged on (the judgements are in `judge.rs`).
//! `docs/checklist.md` is rendered from this module.

use super::license::{lookup, permission, LicenseClass, Permission};
use super::markdown::{sections, split, Section};
use super::score::{outcome_severity, ItemStatus};
use super::{yaml, AuditOptions, FrontMatterReport, LicenseReport};
use crate::hub::{FileFetch, HubSnapshot};
use crate::severity::Severity;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use super::judge::days_since_epoch;

/// Checklist items, in report order. Ids are stable public API.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ItemId {
    /// README.md exists and says something.
    CardPresent,
    /// A licence is declared and the Hub knows it.
    License,
    /// The licence allows the selected use.
    LicenseUse,
    /// Who published it.
    Author,
    /// A paper or arXiv link.
    Paper,
    /// Base model lineage.
    BaseModel,
    /// Datasets declared in metadata.
    Datasets,
    /// A training data section.
    TrainingData,
    /// A bias, risks and limitations section.
    BiasRisksLimitations,
    /// Evaluation results (model-index or a section).
    Evaluation,
    /// Intended and out-of-scope uses.
    IntendedUses,
    /// A citation.
    Citation,
    /// Not disabled; gating noted.
    Access,
    /// Safetensors (or another safe format) rather than pickle only.
    WeightsFormat,
    /// Loading does not need remote code.
    RemoteCode,
    /// The Hub's scanners flagged nothing.
    SecurityScan,
    /// Updated recently.
    Freshness,
}

impl ItemId {
    /// Every item in report order.
    pub const ALL: [ItemId; 17] = [
        ItemId::CardPresent,
        ItemId::License,
        ItemId::LicenseUse,
        ItemId::Author,
        ItemId::Paper,
        ItemId::BaseModel,
        ItemId::Datasets,
        ItemId::TrainingData,
        ItemId::BiasRisksLimitations,
        ItemId::Evaluation,
        ItemId::IntendedUses,
        ItemId::Citation,
        ItemId::Access,
        ItemId::WeightsFormat,
        ItemId::RemoteCode,
        ItemId::SecurityScan,
        ItemId::Freshness,
    ];

    /// The kebab-case id (as in JSON).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// `(id, title, weight, severity when failed, how it is judged)`.
    pub fn spec(self) -> (&'static str, &'static str, u8, Severity, &'static str) {
        let (title, weight, severity, how) = self.row();
        (self.as_str(), title, weight, severity, how)
    }

    /// `(title, weight, severity when failed, how it is judged)`.
    fn row(self) -> (&'static str, u8, Severity, &'static str) {
        use ItemId::*;
        use Severity::*;
        match self {
            CardPresent => ("Model card present", 5, Medium,
                "README.md exists at the commit and has at least one section. Fail: no README. Not applicable: it could not be read (gated)."),
            License => ("Licence declared and recognised", 10, Medium,
                "`license` in the front matter (else the Hub's `license:` tag). Pass: a Hub licence id with a known class. Partial: `other` with `license_name` and `license_link`, or a family id such as `cc`. Fail: none, `unknown`, or an id the Hub does not know."),
            LicenseUse => ("Licence allows the selected use", 10, High,
                "The licence class (data/hub-licenses.json) against the selected use (commercial or research). Pass: permissive, or non-commercial for research. Partial: allowed under conditions (OpenRAIL use restrictions, copyleft, no-derivatives, Llama/Gemma-style custom terms, custom `other` licences). Fail: non-commercial for commercial use, or no licence at all (no permission)."),
            Author => ("Publisher identified", 4, Low,
                "The repo's namespace (`author`), with the card's \"Developed by\" as extra evidence."),
            Paper => ("Paper or arXiv link", 3, Low,
                "An `arxiv:` tag, or an arxiv.org / doi.org link in the card."),
            BaseModel => ("Base model lineage", 4, Low,
                "`base_model` in the front matter or a `base_model:` tag. Fail: the card says the model was fine-tuned but names no base model in metadata. Not applicable: nothing suggests fine-tuning."),
            Datasets => ("Datasets declared", 5, Low,
                "`datasets` in the front matter or `dataset:` tags."),
            TrainingData => ("Training data documented", 8, Medium,
                "A section such as \"Training Data\", \"Training and evaluation data\" or \"Datasets\" with content beyond placeholders. Partial: no such section but datasets are declared."),
            BiasRisksLimitations => ("Bias, risks and limitations documented", 8, Medium,
                "A section whose heading mentions bias, risks, limitations, ethical considerations, safety or responsibility, with content beyond placeholders."),
            Evaluation => ("Evaluation results", 8, Low,
                "`model-index` with at least one metric, or an \"Evaluation\"/\"Results\" section with content."),
            IntendedUses => ("Intended and out-of-scope uses", 6, Low,
                "A uses section (\"Uses\", \"Direct Use\", \"Intended uses\") and an out-of-scope section. Partial: only one of them."),
            Citation => ("Citation", 3, Info,
                "A \"Citation\" section with content or a BibTeX entry in the card."),
            Access => ("Access status", 4, Low,
                "Fail (critical): the Hub disabled the repo. Partial: gated (terms must be accepted; check they fit your use). Pass: open."),
            WeightsFormat => ("Safe weight format", 10, High,
                "Pass: safetensors (or GGUF, ONNX, msgpack, TFLite) weights are available. Partial: only Keras/HDF5 weights (Lambda layers can run code). Fail: only pickle-based weights (`.bin`, `.pt`, `.pth`, `.ckpt`, `.pkl`): loading them can run arbitrary code. Not applicable: no weights files."),
            RemoteCode => ("No remote code needed", 8, High,
                "Fail: `config.json` has `auto_map`, the Hub reports a `custom_class`, or the repo ships `.py` files: loading needs `trust_remote_code=True`, i.e. running the repo's code."),
            SecurityScan => ("Hub security scan clean", 10, Critical,
                "The Hub's `securityRepoStatus` and per-file `securityFileStatus`. Fail (critical): a file flagged `unsafe`, a dangerous pickle import or a virus. Fail (medium): a file flagged at another level or with suspicious imports. Partial (medium): scans not done or not reported."),
            Freshness => ("Recently maintained", 3, Low,
                "Last commit within 2 years: pass; within 4 years: partial; older: fail. Not applicable when no current time is given."),
        }
    }
}

/// One checklist outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckItem {
    /// Stable id.
    pub id: ItemId,
    /// Human title.
    pub title: String,
    /// Weight in the score.
    pub weight: u8,
    /// Outcome.
    pub status: ItemStatus,
    /// Severity of the outcome (none when passed or not applicable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// What was found, in one or two sentences.
    pub evidence: String,
    /// Where to look (card section, file list, licence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Everything the items look at, computed once.
pub struct Context<'a> {
    pub(super) snap: &'a HubSnapshot,
    pub(super) opts: &'a AuditOptions,
    pub(super) meta: Map<String, Value>,
    pub(super) body: String,
    pub(super) card_state: CardState,
    pub(crate) sections: Vec<Section>,
    pub(crate) front_matter_report: FrontMatterReport,
    pub(crate) license: LicenseReport,
    /// A named limit stopped the front matter parser (fail closed).
    pub(crate) limit_hit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CardState {
    Read,
    Absent,
    Unreadable,
}

impl<'a> Context<'a> {
    /// Parse the card and licence of `snap`.
    pub fn new(snap: &'a HubSnapshot, opts: &'a AuditOptions) -> Context<'a> {
        let mut fm_report = FrontMatterReport::default();
        let mut limit_hit = None;
        let mut meta = None;
        let mut body = String::new();
        let card_state = match &snap.readme {
            FileFetch::Text { text, .. } => {
                let parts = split(text);
                body = parts.body.to_owned();
                if parts.unterminated {
                    fm_report.error = Some("front matter has no closing `---`".to_owned());
                }
                if let Some(fm) = parts.front_matter {
                    fm_report.present = true;
                    match yaml::parse(fm, &opts.yaml) {
                        Ok(doc) => {
                            fm_report.duplicate_keys = doc.duplicate_keys;
                            meta = Some(doc.value);
                        }
                        Err(e) => {
                            if matches!(e, yaml::YamlError::Limit { .. }) {
                                limit_hit = Some(e.to_string());
                            }
                            fm_report.error = Some(e.to_string());
                        }
                    }
                }
                CardState::Read
            }
            FileFetch::Absent => CardState::Absent,
            FileFetch::Failed(_) => CardState::Unreadable,
        };
        // Fall back to the Hub's own parse when ours is unavailable.
        let meta = meta
            .or_else(|| {
                snap.info
                    .card_data
                    .as_ref()
                    .and_then(Value::as_object)
                    .cloned()
            })
            .unwrap_or_default();
        let mut ctx = Context {
            snap,
            opts,
            sections: sections(&body),
            meta,
            body,
            card_state,
            front_matter_report: fm_report,
            license: LicenseReport::default(),
            limit_hit,
        };
        ctx.license = ctx.license_report();
        ctx
    }

    pub(crate) fn section_link(&self, anchor: &str) -> String {
        let fragment = if anchor.is_empty() {
            String::new()
        } else {
            format!("#{anchor}")
        };
        format!(
            "{}/{}/blob/{}/README.md{fragment}",
            self.snap.endpoint, self.snap.info.id, self.snap.info.sha
        )
    }

    pub(super) fn files_link(&self) -> String {
        format!(
            "{}/{}/tree/{}",
            self.snap.endpoint, self.snap.info.id, self.snap.info.sha
        )
    }

    pub(super) fn strings(&self, key: &str) -> Vec<String> {
        match self.meta.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_owned()],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    }

    pub(super) fn declared_or_tags(&self, key: &str, tag: &str) -> Vec<String> {
        let declared = self.strings(key);
        if !declared.is_empty() {
            return declared;
        }
        self.snap
            .info
            .tag_values(tag)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    pub(super) fn license_report(&self) -> LicenseReport {
        let declared = self.declared_or_tags("license", "license");
        let id = declared.first().cloned();
        let info = id.as_deref().and_then(lookup);
        let class = match (&id, info) {
            (Some(_), Some(i)) => Some(i.class),
            (Some(_), None) => Some(LicenseClass::Unknown),
            (None, _) => None,
        };
        let custom_name = self.strings("license_name").into_iter().next();
        let link = self.strings("license_link").into_iter().next().map(|l| {
            if l.starts_with("http://") || l.starts_with("https://") {
                l
            } else {
                format!(
                    "{}/{}/blob/{}/{}",
                    self.snap.endpoint,
                    self.snap.info.id,
                    self.snap.info.sha,
                    l.trim_start_matches("./")
                )
            }
        });
        let mut perm = class.map(|c| permission(c, self.opts.intended_use));
        if perm == Some(Permission::Unknown) && custom_name.is_some() && link.is_some() {
            perm = Some(Permission::Conditions);
        }
        LicenseReport {
            declared,
            name: info.map(|i| i.name.clone()),
            spdx: info.and_then(|i| i.spdx.clone()),
            id,
            class,
            custom_name,
            link,
            permission: perm,
        }
    }

    /// The first section matching `pred` with content, else the first matching one.
    pub(super) fn find(&self, pred: impl Fn(&str) -> bool) -> Option<&Section> {
        let mut matching = self.sections.iter().filter(|s| pred(&s.key));
        let first = matching.clone().next();
        matching.find(|s| s.has_content()).or(first)
    }

    pub(super) fn card_unreadable(&self) -> bool {
        self.card_state == CardState::Unreadable
    }
}

/// Evaluate every item.
pub fn evaluate(ctx: &Context<'_>) -> Vec<CheckItem> {
    ItemId::ALL
        .iter()
        .map(|&id| {
            let (_, title, weight, severity, _) = id.spec();
            let o = super::judge::judge(ctx, id);
            CheckItem {
                id,
                title: title.to_owned(),
                weight,
                status: o.status,
                severity: o.severity.or_else(|| outcome_severity(o.status, severity)),
                evidence: o.evidence,
                link: o.link,
            }
        })
        .collect()
}

/// `docs/checklist.md`.
pub fn render_markdown() -> String {
    let mut s = String::from(
        "# Model-card checklist\n\n\
         `modelvet audit` and the web app's \"Audit a Hub model\" view judge a Hugging Face Hub model \
         with these items. Each item is pass (full weight), partial (half), fail (none) or not \
         applicable (left out). The score is the earned weight over the applicable weight, 0–100; \
         the grade is A (90+), B (80+), C (65+), D (50+), E (35+) or F.\n\n\
         A failed item carries the severity below; a partial one, one step lower. The audit fails \
         (exit code 1) when an outcome is at or above `--fail-on` (default `high`), and cannot \
         complete (exit code 2) when the model or its card could not be read. Downloads and likes \
         are shown as context and never counted.\n\n\
         This is a practical reading of public metadata, not legal advice.\n\n\
         | id | item | weight | severity when failed | how it is judged |\n|---|---|---|---|---|\n",
    );
    for id in ItemId::ALL {
        let (key, title, weight, sev, how) = id.spec();
        s.push_str(&format!(
            "| `{key}` | {title} | {weight} | {sev} | {how} |\n"
        ));
    }
    s
}

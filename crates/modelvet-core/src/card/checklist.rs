//! The checklist: each item, its weight, the severity of failing it and how
//! its evidence is found. `docs/checklist.md` is rendered from this module.

use super::files::{guess, WeightKind};
use super::license::{lookup, permission, LicenseClass, Permission};
use super::markdown::{sections, split, Section};
use super::score::{outcome_severity, ItemStatus};
use super::{yaml, AuditOptions, FrontMatterReport, LicenseReport};
use crate::hub::{FileFetch, Gating, HubSnapshot};
use crate::severity::Severity;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Checklist items, in report order. Ids are stable public API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
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

    /// `(id, title, weight, severity when failed, how it is judged)`.
    pub fn spec(self) -> (&'static str, &'static str, u8, Severity, &'static str) {
        use ItemId::*;
        use Severity::*;
        match self {
            CardPresent => ("card-present", "Model card present", 5, Medium,
                "README.md exists at the commit and has at least one section. Fail: no README. Not applicable: it could not be read (gated)."),
            License => ("license", "Licence declared and recognised", 10, Medium,
                "`license` in the front matter (else the Hub's `license:` tag). Pass: a Hub licence id with a known class. Partial: `other` with `license_name` and `license_link`, or a family id such as `cc`. Fail: none, `unknown`, or an id the Hub does not know."),
            LicenseUse => ("license-use", "Licence allows the selected use", 10, High,
                "The licence class (data/hub-licenses.json) against the selected use (commercial or research). Pass: permissive, or non-commercial for research. Partial: allowed under conditions (OpenRAIL use restrictions, copyleft, no-derivatives, Llama/Gemma-style custom terms, custom `other` licences). Fail: non-commercial for commercial use, or no licence at all (no permission)."),
            Author => ("author", "Publisher identified", 4, Low,
                "The repo's namespace (`author`), with the card's \"Developed by\" as extra evidence."),
            Paper => ("paper", "Paper or arXiv link", 3, Low,
                "An `arxiv:` tag, or an arxiv.org / doi.org link in the card."),
            BaseModel => ("base-model", "Base model lineage", 4, Low,
                "`base_model` in the front matter or a `base_model:` tag. Fail: the card says the model was fine-tuned but names no base model in metadata. Not applicable: nothing suggests fine-tuning."),
            Datasets => ("datasets", "Datasets declared", 5, Low,
                "`datasets` in the front matter or `dataset:` tags."),
            TrainingData => ("training-data", "Training data documented", 8, Medium,
                "A section such as \"Training Data\", \"Training and evaluation data\" or \"Datasets\" with content beyond placeholders. Partial: no such section but datasets are declared."),
            BiasRisksLimitations => ("bias-risks-limitations", "Bias, risks and limitations documented", 8, Medium,
                "A section whose heading mentions bias, risks, limitations, ethical considerations, safety or responsibility, with content beyond placeholders."),
            Evaluation => ("evaluation", "Evaluation results", 8, Low,
                "`model-index` with at least one metric, or an \"Evaluation\"/\"Results\" section with content."),
            IntendedUses => ("intended-uses", "Intended and out-of-scope uses", 6, Low,
                "A uses section (\"Uses\", \"Direct Use\", \"Intended uses\") and an out-of-scope section. Partial: only one of them."),
            Citation => ("citation", "Citation", 3, Info,
                "A \"Citation\" section with content or a BibTeX entry in the card."),
            Access => ("access", "Access status", 4, Low,
                "Fail (critical): the Hub disabled the repo. Partial: gated (terms must be accepted; check they fit your use). Pass: open."),
            WeightsFormat => ("weights-format", "Safe weight format", 10, High,
                "Pass: safetensors (or GGUF, ONNX, msgpack, TFLite) weights are available. Partial: only Keras/HDF5 weights (Lambda layers can run code). Fail: only pickle-based weights (`.bin`, `.pt`, `.pth`, `.ckpt`, `.pkl`): loading them can run arbitrary code. Not applicable: no weights files."),
            RemoteCode => ("remote-code", "No remote code needed", 8, High,
                "Fail: `config.json` has `auto_map`, the Hub reports a `custom_class`, or the repo ships `.py` files: loading needs `trust_remote_code=True`, i.e. running the repo's code."),
            SecurityScan => ("security-scan", "Hub security scan clean", 10, Critical,
                "The Hub's `securityRepoStatus` and per-file `securityFileStatus`. Fail (critical): a file flagged `unsafe`, a dangerous pickle import or a virus. Fail (medium): a file flagged at another level or with suspicious imports. Partial (medium): scans not done or not reported."),
            Freshness => ("freshness", "Recently maintained", 3, Low,
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
    snap: &'a HubSnapshot,
    opts: &'a AuditOptions,
    meta: Map<String, Value>,
    body: String,
    card_state: CardState,
    pub(crate) sections: Vec<Section>,
    pub(crate) front_matter_report: FrontMatterReport,
    pub(crate) license: LicenseReport,
    /// A named limit stopped the front matter parser (fail closed).
    pub(crate) limit_hit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CardState {
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

    fn files_link(&self) -> String {
        format!(
            "{}/{}/tree/{}",
            self.snap.endpoint, self.snap.info.id, self.snap.info.sha
        )
    }

    fn strings(&self, key: &str) -> Vec<String> {
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

    fn declared_or_tags(&self, key: &str, tag: &str) -> Vec<String> {
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

    fn license_report(&self) -> LicenseReport {
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
    fn find(&self, pred: impl Fn(&str) -> bool) -> Option<&Section> {
        let mut matching = self.sections.iter().filter(|s| pred(&s.key));
        let first = matching.clone().next();
        matching.find(|s| s.has_content()).or(first)
    }

    fn card_unreadable(&self) -> bool {
        self.card_state == CardState::Unreadable
    }
}

struct Outcome {
    status: ItemStatus,
    evidence: String,
    link: Option<String>,
    severity: Option<Severity>,
}

fn out(status: ItemStatus, evidence: impl Into<String>, link: Option<String>) -> Outcome {
    Outcome {
        status,
        evidence: evidence.into(),
        link,
        severity: None,
    }
}

/// Evaluate every item.
pub fn evaluate(ctx: &Context<'_>) -> Vec<CheckItem> {
    ItemId::ALL
        .iter()
        .map(|&id| {
            let (_, title, weight, severity, _) = id.spec();
            let o = judge(ctx, id);
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

fn section_item(ctx: &Context<'_>, what: &str, pred: impl Fn(&str) -> bool) -> Outcome {
    use ItemStatus::*;
    if ctx.card_unreadable() {
        return out(NotApplicable, "the card could not be read", None);
    }
    match ctx.find(pred) {
        Some(s) if s.has_content() => out(
            Pass,
            format!("section \"{}\": {}", s.title, excerpt(&s.full_text)),
            Some(ctx.section_link(&s.anchor)),
        ),
        Some(s) => out(
            Fail,
            format!("section \"{}\" holds only placeholder text", s.title),
            Some(ctx.section_link(&s.anchor)),
        ),
        None => out(Fail, format!("no {what} section"), None),
    }
}

fn excerpt(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::finding::abbreviate(&joined, 100)
}

fn judge(ctx: &Context<'_>, id: ItemId) -> Outcome {
    use ItemStatus::*;
    let info = &ctx.snap.info;
    match id {
        ItemId::CardPresent => match ctx.card_state {
            CardState::Unreadable => out(NotApplicable, "README.md could not be read", None),
            CardState::Absent => out(Fail, "no README.md at this commit", Some(ctx.files_link())),
            CardState::Read if ctx.sections.is_empty() => out(
                Partial,
                "README.md has no headings",
                Some(ctx.section_link("")),
            ),
            CardState::Read => out(
                Pass,
                match ctx.sections.len() {
                    1 => "README.md with 1 section".to_owned(),
                    n => format!("README.md with {n} sections"),
                },
                Some(ctx.section_link("")),
            ),
        },
        ItemId::License => {
            let l = &ctx.license;
            let link = l.link.clone();
            match (&l.id, l.class) {
                (None, _) => out(
                    Fail,
                    "no licence declared (no `license` in the card metadata)",
                    None,
                ),
                (Some(id), Some(LicenseClass::Unknown))
                    if l.custom_name.is_some() && l.link.is_some() =>
                {
                    out(
                        Partial,
                        format!(
                            "`{id}`: custom licence `{}`; read its terms",
                            l.custom_name.as_deref().unwrap_or_default()
                        ),
                        link,
                    )
                }
                (Some(id), Some(LicenseClass::Unknown)) if l.name.is_none() => out(
                    Fail,
                    format!("`{id}` is not a licence id the Hub knows"),
                    link,
                ),
                (Some(id), Some(LicenseClass::Unknown)) => out(
                    Fail,
                    format!(
                        "`{id}` without `license_name` and `license_link`: the terms are unknown"
                    ),
                    link,
                ),
                (Some(id), Some(LicenseClass::FamilyAmbiguous)) => out(
                    Partial,
                    format!("`{id}` names a licence family, not which variant"),
                    link,
                ),
                (Some(id), class) => out(
                    Pass,
                    format!(
                        "`{id}` ({}, {})",
                        l.name.as_deref().unwrap_or(id),
                        class.map(LicenseClass::as_str).unwrap_or("unknown")
                    ),
                    link,
                ),
            }
        }
        ItemId::LicenseUse => {
            let l = &ctx.license;
            let use_ = ctx.opts.intended_use.as_str();
            let class = l.class.map(LicenseClass::as_str).unwrap_or("unknown");
            let id = l.id.as_deref().unwrap_or("none");
            match l.permission {
                None => out(Fail, format!("no licence: nothing grants {use_} use"), None),
                Some(Permission::Allowed) => out(Pass, format!("`{id}` ({class}) allows {use_} use"), l.link.clone()),
                Some(Permission::Conditions) => out(
                    Partial,
                    format!("`{id}` ({class}) allows {use_} use only under conditions: read the licence"),
                    l.link.clone(),
                ),
                Some(Permission::Denied) => out(Fail, format!("`{id}` ({class}) does not allow {use_} use"), l.link.clone()),
                Some(Permission::Unknown) => out(
                    Fail,
                    format!("`{id}` ({class}): cannot tell whether it allows {use_} use"),
                    l.link.clone(),
                ),
            }
        }
        ItemId::Author => {
            let developed_by = ctx.body.lines().find_map(|l| {
                let lower = l.to_lowercase();
                let at = lower.find("developed by")?;
                let rest = l.get(at.saturating_add("developed by".len())..)?;
                let v = rest.trim_start_matches([':', '*', ' ']).trim();
                (!super::markdown::is_placeholder(v)).then(|| crate::finding::abbreviate(v, 60))
            });
            match (&info.author, developed_by) {
                (Some(a), Some(d)) => out(
                    Pass,
                    format!("published by `{a}`; card says developed by {d}"),
                    None,
                ),
                (Some(a), None) => out(Pass, format!("published by `{a}`"), None),
                (None, Some(d)) => out(
                    Partial,
                    format!("card says developed by {d}; no Hub author"),
                    None,
                ),
                (None, None) => out(Fail, "no author or organisation", None),
            }
        }
        ItemId::Paper => {
            let arxiv = info.tag_values("arxiv");
            let link = ctx
                .body
                .split_whitespace()
                .find(|w| w.contains("arxiv.org/") || w.contains("doi.org/"));
            if let Some(a) = arxiv.first() {
                out(
                    Pass,
                    format!("arXiv:{a}"),
                    Some(format!("https://arxiv.org/abs/{a}")),
                )
            } else if let Some(l) = link {
                out(
                    Pass,
                    format!("paper link {}", crate::finding::abbreviate(l, 80)),
                    None,
                )
            } else {
                out(Fail, "no paper or arXiv link", None)
            }
        }
        ItemId::BaseModel => {
            let bases = ctx.declared_or_tags("base_model", "base_model");
            let relation = ctx.strings("base_model_relation").into_iter().next();
            let lower = ctx.body.to_lowercase();
            let says_finetuned = lower.contains("fine-tuned")
                || lower.contains("finetuned")
                || info.tags.iter().any(|t| t == "generated_from_trainer");
            if !bases.is_empty() {
                let rel = relation.map(|r| format!(" ({r})")).unwrap_or_default();
                out(Pass, format!("base model{rel}: {}", bases.join(", ")), None)
            } else if says_finetuned {
                out(
                    Fail,
                    "the card says the model was fine-tuned but declares no `base_model`",
                    None,
                )
            } else {
                out(
                    NotApplicable,
                    "no base model declared and nothing suggests fine-tuning",
                    None,
                )
            }
        }
        ItemId::Datasets => {
            let ds = ctx.declared_or_tags("datasets", "dataset");
            if ds.is_empty() {
                out(Fail, "no datasets declared in the metadata", None)
            } else {
                out(Pass, format!("datasets: {}", ds.join(", ")), None)
            }
        }
        ItemId::TrainingData => {
            let o = section_item(ctx, "training data", |k| {
                k.contains("training data")
                    || k.contains("training dataset")
                    || k.contains("pretraining data")
                    || k.contains("pre-training data")
                    || k.contains("training and evaluation data")
                    || matches!(k, "data" | "dataset" | "datasets")
            });
            let ds = ctx.declared_or_tags("datasets", "dataset");
            if o.status == Fail && !ds.is_empty() {
                out(
                    Partial,
                    format!(
                        "{}; datasets declared in metadata: {}",
                        o.evidence,
                        ds.join(", ")
                    ),
                    o.link,
                )
            } else {
                o
            }
        }
        ItemId::BiasRisksLimitations => section_item(ctx, "bias, risks and limitations", |k| {
            k.contains("bias")
                || k.contains("limitation")
                || k.contains("risk")
                || k.contains("ethical")
        }),
        ItemId::Evaluation => {
            if let Some(ev) = model_index_evidence(ctx.meta.get("model-index")) {
                return out(Pass, format!("model-index: {ev}"), None);
            }
            section_item(ctx, "evaluation", |k| {
                k.contains("evaluation")
                    || k.contains("results")
                    || k.contains("benchmark")
                    || k == "metrics"
                    || k.contains("performance")
            })
        }
        ItemId::IntendedUses => {
            if ctx.card_unreadable() {
                return out(NotApplicable, "the card could not be read", None);
            }
            let uses = ctx.find(|k| {
                k == "uses"
                    || k.contains("intended use")
                    || k.contains("direct use")
                    || k.contains("downstream use")
                    || k.contains("use cases")
            });
            let oos = ctx.find(|k| {
                k.contains("out-of-scope") || k.contains("out of scope") || k.contains("misuse")
            });
            match (
                uses.filter(|s| s.has_content()),
                oos.filter(|s| s.has_content()),
            ) {
                (Some(u), Some(o)) => out(
                    Pass,
                    format!("sections \"{}\" and \"{}\"", u.title, o.title),
                    Some(ctx.section_link(&u.anchor)),
                ),
                (Some(u), None) => out(
                    Partial,
                    format!("section \"{}\"; no out-of-scope uses", u.title),
                    Some(ctx.section_link(&u.anchor)),
                ),
                (None, Some(o)) => out(
                    Partial,
                    format!("section \"{}\"; no intended uses", o.title),
                    Some(ctx.section_link(&o.anchor)),
                ),
                (None, None) => out(Fail, "no intended or out-of-scope uses documented", None),
            }
        }
        ItemId::Citation => {
            let bibtex = [
                "@misc{",
                "@article{",
                "@inproceedings{",
                "@techreport{",
                "@software{",
            ]
            .iter()
            .any(|b| ctx.body.to_lowercase().contains(b));
            let o = section_item(ctx, "citation", |k| {
                k.contains("citation") || k.contains("bibtex") || k == "cite"
            });
            if o.status != Pass && bibtex {
                out(Pass, "BibTeX entry in the card", o.link)
            } else {
                o
            }
        }
        ItemId::Access => {
            if info.disabled {
                Outcome {
                    severity: Some(Severity::Critical),
                    ..out(Fail, "the Hub disabled this repo", None)
                }
            } else {
                match info.gated {
                    Some(Gating::Manual) => out(Partial, "gated (manual approval): accept the terms on the Hub and check they fit your use", None),
                    Some(Gating::Auto) => out(Partial, "gated (automatic approval): accept the terms on the Hub and check they fit your use", None),
                    _ if info.private => out(Pass, "private repo, readable with the token given", None),
                    _ => out(Pass, "open access", None),
                }
            }
        }
        ItemId::WeightsFormat => {
            let mut safe = Vec::new();
            let mut pickle = Vec::new();
            let mut keras = Vec::new();
            for f in &ctx.snap.files {
                match guess(&f.path).1 {
                    WeightKind::Safe => safe.push(f.path.as_str()),
                    WeightKind::Pickle => pickle.push(f.path.as_str()),
                    WeightKind::Keras => keras.push(f.path.as_str()),
                    WeightKind::None => {}
                }
            }
            let link = Some(ctx.files_link());
            let list = |v: &[&str]| crate::finding::abbreviate(&v.join(", "), 160);
            match (safe.is_empty(), pickle.is_empty(), keras.is_empty()) {
                (false, true, _) => out(Pass, format!("safe weights: {}", list(&safe)), link),
                (false, false, _) => out(
                    Pass,
                    format!(
                        "safe weights: {}; also pickle files ({}): load the safe ones",
                        list(&safe),
                        list(&pickle)
                    ),
                    link,
                ),
                (true, false, _) => out(
                    Fail,
                    format!(
                        "pickle-only weights ({}): loading them can run arbitrary code",
                        list(&pickle)
                    ),
                    link,
                ),
                (true, true, false) => out(
                    Partial,
                    format!(
                        "Keras/HDF5 weights only ({}): Lambda layers can run code",
                        list(&keras)
                    ),
                    link,
                ),
                (true, true, true) => out(NotApplicable, "no weights files", link),
            }
        }
        ItemId::RemoteCode => {
            let mut reasons = Vec::new();
            let config: Option<Value> = ctx
                .snap
                .config
                .text()
                .and_then(|t| serde_json::from_str(t).ok());
            let auto_map = config
                .as_ref()
                .and_then(|c| c.get("auto_map"))
                .or_else(|| info.config.as_ref().and_then(|c| c.get("auto_map")));
            if let Some(map) = auto_map {
                reasons.push(format!(
                    "config.json auto_map {}",
                    crate::finding::abbreviate(&map.to_string(), 80)
                ));
            }
            if let Some(c) = &info.custom_class {
                reasons.push(format!("custom class {c}"));
            }
            let py: Vec<&str> = ctx
                .snap
                .files
                .iter()
                .map(|f| f.path.as_str())
                .filter(|p| p.ends_with(".py"))
                .collect();
            if !py.is_empty() {
                reasons.push(format!(
                    "Python files {}",
                    crate::finding::abbreviate(&py.join(", "), 100)
                ));
            }
            if !reasons.is_empty() {
                out(
                    Fail,
                    format!("loading needs trust_remote_code: {}", reasons.join("; ")),
                    Some(ctx.files_link()),
                )
            } else if matches!(ctx.snap.config, FileFetch::Failed(_)) {
                out(NotApplicable, "config.json could not be read", None)
            } else {
                out(Pass, "no auto_map, custom class or Python files", None)
            }
        }
        ItemId::SecurityScan => security_item(ctx),
        ItemId::Freshness => {
            let (Some(now), Some(last)) = (ctx.opts.now_unix, info.last_modified.as_deref()) else {
                return out(NotApplicable, "no current time or last-modified date", None);
            };
            let Some(days) = days_since_epoch(last) else {
                return out(NotApplicable, format!("unreadable date {last:?}"), None);
            };
            let age = now.div_euclid(86_400).saturating_sub(days);
            let status = match age {
                ..=730 => Pass,
                731..=1460 => Partial,
                _ => Fail,
            };
            out(
                status,
                format!(
                    "last modified {} ({age} days ago)",
                    last.get(..10).unwrap_or(last)
                ),
                None,
            )
        }
    }
}

fn security_item(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
    let info = &ctx.snap.info;
    let link = Some(ctx.files_link());
    let mut critical = Vec::new();
    let mut other = Vec::new();
    if let Some(sec) = &info.security {
        for (path, level) in &sec.files_with_issues {
            let entry = format!("{path} ({level})");
            if level == "unsafe" {
                critical.push(entry)
            } else {
                other.push(entry)
            }
        }
    }
    for f in &ctx.snap.files {
        let Some(s) = &f.security else { continue };
        if !s.viruses.is_empty() {
            critical.push(format!("{} (virus: {})", f.path, s.viruses.join(", ")));
        }
        let imports = if s.flagged_imports.is_empty() {
            String::new()
        } else {
            format!(": {}", s.flagged_imports.join(", "))
        };
        match s.pickle_level.as_deref() {
            Some("dangerous") => {
                critical.push(format!("{} (dangerous pickle imports{imports})", f.path))
            }
            Some("suspicious") => {
                other.push(format!("{} (suspicious pickle imports{imports})", f.path))
            }
            _ => {}
        }
    }
    critical.dedup();
    if !critical.is_empty() || !other.is_empty() {
        let mut all = critical.clone();
        all.extend(other);
        let evidence = format!(
            "the Hub flagged: {}",
            crate::finding::abbreviate(&all.join("; "), 300)
        );
        let severity = if critical.is_empty() {
            Severity::Medium
        } else {
            Severity::Critical
        };
        return Outcome {
            status: Fail,
            evidence,
            link,
            severity: Some(severity),
        };
    }
    let unknown = |evidence: &str| Outcome {
        severity: Some(Severity::Medium),
        ..out(Partial, evidence, link.clone())
    };
    match &info.security {
        None => unknown("the Hub reported no scan status"),
        Some(s) if !s.scans_done => unknown("the Hub's scans have not finished"),
        Some(_) => out(Pass, "scans done; no file flagged", link.clone()),
    }
}

fn model_index_evidence(v: Option<&Value>) -> Option<String> {
    let entries = v?.as_array()?;
    for entry in entries {
        for result in entry
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let dataset = result
                .get("dataset")
                .and_then(|d| d.get("name").or_else(|| d.get("type")))
                .and_then(Value::as_str)
                .unwrap_or("a dataset");
            let metrics: Vec<String> = result
                .get("metrics")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| {
                    let kind = m.get("type").and_then(Value::as_str)?;
                    let value = m.get("value")?;
                    Some(format!("{kind} {value}"))
                })
                .collect();
            if !metrics.is_empty() {
                return Some(format!("{} on {dataset}", metrics.join(", ")));
            }
        }
    }
    None
}

/// Days since 1970-01-01 of an ISO-8601 date (`2019-09-23T19:48:44.000Z`).
pub fn days_since_epoch(iso: &str) -> Option<i64> {
    let y: i64 = iso.get(0..4)?.parse().ok()?;
    let m: i64 = iso.get(5..7)?.parse().ok()?;
    let d: i64 = iso.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || iso.get(4..5) != Some("-") {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
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

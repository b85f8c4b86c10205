//! How each checklist item is judged: the evidence looked for in the card,
//! its front matter, the Hub's metadata and the repository's files.

use super::checklist::{CardState, Context, ItemId};
use super::files::{guess, WeightKind};
use super::license::{LicenseClass, Permission};
use super::score::ItemStatus;
use crate::hub::{FileFetch, Gating};
use crate::severity::Severity;
use serde_json::Value;

/// What one item found.
pub(super) struct Outcome {
    pub(super) status: ItemStatus,
    pub(super) evidence: String,
    pub(super) link: Option<String>,
    pub(super) severity: Option<Severity>,
}

fn out(status: ItemStatus, evidence: impl Into<String>, link: Option<String>) -> Outcome {
    Outcome {
        status,
        evidence: evidence.into(),
        link,
        severity: None,
    }
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

/// Judge one item.
pub(super) fn judge(ctx: &Context<'_>, id: ItemId) -> Outcome {
    match id {
        ItemId::CardPresent => card_present(ctx),
        ItemId::License => license(ctx),
        ItemId::LicenseUse => license_use(ctx),
        ItemId::Author => author(ctx),
        ItemId::Paper => paper(ctx),
        ItemId::BaseModel => base_model(ctx),
        ItemId::Datasets => datasets(ctx),
        ItemId::TrainingData => training_data(ctx),
        ItemId::BiasRisksLimitations => bias_risks_limitations(ctx),
        ItemId::Evaluation => evaluation(ctx),
        ItemId::IntendedUses => intended_uses(ctx),
        ItemId::Citation => citation(ctx),
        ItemId::Access => access(ctx),
        ItemId::WeightsFormat => weights_format(ctx),
        ItemId::RemoteCode => remote_code(ctx),
        ItemId::SecurityScan => security_scan(ctx),
        ItemId::Freshness => freshness(ctx),
    }
}

/// `card-present`: README.md exists and says something.
fn card_present(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
    match ctx.card_state {
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
    }
}

/// `license`: a licence is declared and the Hub knows it.
fn license(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
    let l = &ctx.license;
    let link = l.link.clone();
    match (&l.id, l.class) {
        (None, _) => out(
            Fail,
            "no licence declared (no `license` in the card metadata)",
            None,
        ),
        (Some(id), Some(LicenseClass::Unknown)) if l.custom_name.is_some() && l.link.is_some() => {
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
            format!("`{id}` without `license_name` and `license_link`: the terms are unknown"),
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

/// `license-use`: the licence allows the selected use.
fn license_use(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
    let l = &ctx.license;
    let use_ = ctx.opts.intended_use.as_str();
    let class = l.class.map(LicenseClass::as_str).unwrap_or("unknown");
    let id = l.id.as_deref().unwrap_or("none");
    match l.permission {
        None => out(Fail, format!("no licence: nothing grants {use_} use"), None),
        Some(Permission::Allowed) => out(
            Pass,
            format!("`{id}` ({class}) allows {use_} use"),
            l.link.clone(),
        ),
        Some(Permission::Conditions) => out(
            Partial,
            format!("`{id}` ({class}) allows {use_} use only under conditions: read the licence"),
            l.link.clone(),
        ),
        Some(Permission::Denied) => out(
            Fail,
            format!("`{id}` ({class}) does not allow {use_} use"),
            l.link.clone(),
        ),
        Some(Permission::Unknown) => out(
            Fail,
            format!("`{id}` ({class}): cannot tell whether it allows {use_} use"),
            l.link.clone(),
        ),
    }
}

/// `author`: who published it.
fn author(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
    let info = &ctx.snap.info;
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

/// `paper`: a paper or arXiv link.
fn paper(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
    let info = &ctx.snap.info;
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

/// `base-model`: base model lineage.
fn base_model(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
    let info = &ctx.snap.info;
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

/// `datasets`: datasets declared in metadata.
fn datasets(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
    let ds = ctx.declared_or_tags("datasets", "dataset");
    if ds.is_empty() {
        out(Fail, "no datasets declared in the metadata", None)
    } else {
        out(Pass, format!("datasets: {}", ds.join(", ")), None)
    }
}

/// `training-data`: a training data section.
fn training_data(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
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

/// `bias-risks-limitations`: a bias, risks and limitations section.
fn bias_risks_limitations(ctx: &Context<'_>) -> Outcome {
    section_item(ctx, "bias, risks and limitations", |k| {
        k.contains("bias")
            || k.contains("limitation")
            || k.contains("risk")
            || k.contains("ethical")
    })
}

/// `evaluation`: evaluation results (model-index or a section).
fn evaluation(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
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

/// `intended-uses`: intended and out-of-scope uses.
fn intended_uses(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
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
    let oos = ctx
        .find(|k| k.contains("out-of-scope") || k.contains("out of scope") || k.contains("misuse"));
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

/// `citation`: a citation.
fn citation(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
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

/// `access`: not disabled; gating noted.
fn access(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
    let info = &ctx.snap.info;
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

/// `weights-format`: safetensors (or another safe format) rather than pickle only.
fn weights_format(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
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

/// `remote-code`: loading does not need remote code.
fn remote_code(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
    let info = &ctx.snap.info;
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

/// `freshness`: updated recently.
fn freshness(ctx: &Context<'_>) -> Outcome {
    use ItemStatus::*;
    let info = &ctx.snap.info;
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

/// `security-scan`: the Hub's scanners flagged nothing.
fn security_scan(ctx: &Context<'_>) -> Outcome {
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

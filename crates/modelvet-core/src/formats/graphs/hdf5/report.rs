//! Scanning an HDF5 file: its root attributes analysed as a Keras
//! configuration, its objects walked for links and storage that reach
//! outside it, and what stopped the reader turned into findings or errors.

use super::super::keras::{self, ConfigSummary};
use super::{
    AttrValue, File, H5Error, Reach, HDF5_EXTERNAL_LINK, HDF5_EXTERNAL_STORAGE, HDF5_MALFORMED,
};
use crate::finding::{abbreviate, Location};
use crate::formats::text::leaves_model;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use crate::source::{ByteSource, ReadError};
use serde_json::json;

/// Keras' root attributes holding JSON.
const CONFIG_ATTRIBUTES: &[&str] = &["model_config", "training_config"];

/// Scan an HDF5 file: read the root group's attributes and analyse the Keras
/// configuration they hold.
pub fn scan(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<(), ReadError> {
    let limits = ctx.limits().graphs.clone();
    let mut file = match File::open(src, &limits) {
        Ok(file) => file,
        Err(e) => return report_error(ctx, e, "the file was not read"),
    };
    let sb = file.sb.clone();
    let attrs = match file.root_attributes() {
        Ok(attrs) => attrs,
        Err(H5Error::Unsupported(what)) => {
            ctx.error(format!(
                "HDF5 root group: {what}; a Keras configuration there was not analysed"
            ));
            Vec::new()
        }
        Err(e) => return report_error(ctx, e, "the file's attributes were not read"),
    };
    let names: Vec<String> = attrs.iter().map(|a| abbreviate(&a.name, 80)).collect();
    ctx.fact(
        "hdf5",
        json!({"superblock_version": sb.version, "user_block": sb.offset, "root_attributes": names}),
    );
    let mut summary = ConfigSummary::default();
    for attr in &attrs {
        let AttrValue::Strings(values) = &attr.value else {
            continue;
        };
        let first = values.first().map(String::as_str).unwrap_or_default();
        match attr.name.as_str() {
            "keras_version" => summary.keras_version = Some(abbreviate(first, 60)),
            "backend" => summary.backend = Some(abbreviate(first, 60)),
            name if CONFIG_ATTRIBUTES.contains(&name) => {
                let origin = format!("attribute `{name}`");
                keras::analyze_json(
                    ctx,
                    first.as_bytes(),
                    keras::Origin::new(&origin),
                    &mut summary,
                );
            }
            _ => {}
        }
    }
    summary.report(ctx, "keras");
    match file.walk() {
        Ok(tree) => {
            ctx.fact("hdf5_objects", json!(tree.objects));
            report_reaches(ctx, &tree.reaches);
        }
        Err(e) => report_error(ctx, e, "the file's objects were not all checked")?,
    }
    Ok(())
}

fn report_error(ctx: &mut ScanCtx<'_>, e: H5Error, consequence: &str) -> Result<(), ReadError> {
    match e {
        H5Error::Read(e) => return Err(e),
        H5Error::Malformed(at, what) => {
            let f = ctx.finding(
                &HDF5_MALFORMED,
                Location::ByteRange {
                    start: at,
                    end: at.saturating_add(1),
                },
                format!("{what}; {consequence}"),
            );
            ctx.push(f);
        }
        H5Error::Limit(name, value, what) => ctx.limit_hit(name, value, &what),
        H5Error::Unsupported(what) => ctx.error(format!("HDF5: {what}; {consequence}")),
    }
    Ok(())
}

fn report_reaches(ctx: &mut ScanCtx<'_>, reaches: &[Reach]) {
    for reach in reaches {
        let f = match reach {
            Reach::ExternalLink { path, file, object } => ctx
                .finding(
                    &HDF5_EXTERNAL_LINK,
                    Location::GraphNode { path: path.clone() },
                    format!(
                        "`{}` is an external link to `{}` in file `{}`",
                        abbreviate(path, 120),
                        abbreviate(object, 120),
                        abbreviate(file, 200)
                    ),
                )
                .with_evidence(abbreviate(file, 200)),
            Reach::ExternalStorage { path, files } => {
                let outside = files.iter().any(|f| leaves_model(f));
                let shown: Vec<String> = files.iter().take(8).map(|f| abbreviate(f, 200)).collect();
                let f = ctx
                    .finding(
                        &HDF5_EXTERNAL_STORAGE,
                        Location::GraphNode { path: path.clone() },
                        format!(
                            "dataset `{}` reads its bytes from external files",
                            abbreviate(path, 120)
                        ),
                    )
                    .with_evidence(shown.join(", "));
                if outside {
                    f
                } else {
                    f.with_severity(Severity::Medium)
                }
            }
        };
        ctx.push(f.with_help("do not load the model; ask for a self-contained file"));
    }
}

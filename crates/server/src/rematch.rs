//! Re-match jobs: a stored report's components matched again against the advisory index
//! (`netvet_pipeline::rematch::rematch`, the matcher `netvet scan` uses), without the image;
//! the updated report stored, and every product record the report is firmware evidence for
//! assessed under each built-in catalogue before and after (`netvet_pipeline::assess::assess`),
//! the verdicts that changed recorded with the index's digest.

use std::collections::BTreeMap;
use std::path::PathBuf;

use netvet_model::ScanReport;
use netvet_pipeline::assess::Selection;
use netvet_pipeline::{PolicyData, today};
use netvet_policy::{Catalogue, DossierSet, Limits};
use netvet_store::{Claim, NewVerdictChange, Product};

use crate::AppState;
use crate::api::assessments::evidence;
use crate::api::products::product_set;

/// The index the service matches against, once one was imported (else the pipeline's
/// default: `NETVET_DB`, the user's cache, or the built-in advisories).
pub(crate) fn index_in_use(state: &AppState) -> Option<PathBuf> {
    let path = state.config.advisory_index_path();
    path.exists().then_some(path)
}

/// Runs one re-match job to its end (stored, or failed with the reason).
pub(crate) async fn run_job(state: &AppState, claim: Claim) {
    match rematch(state, &claim).await {
        Ok((report, changes)) => match state.store.finish_rematch(&claim, report, &changes).await {
            Ok(()) => tracing::info!(
                job = claim.job_id,
                analysis = claim.analysis_id,
                verdicts_changed = changes.len(),
                "re-match finished"
            ),
            Err(e) => tracing::warn!(job = claim.job_id, error = %e, "re-match not stored"),
        },
        Err(error) => {
            tracing::warn!(job = claim.job_id, %error, "re-match failed");
            if let Err(e) = state.store.fail_rematch(&claim, &error).await {
                tracing::warn!(job = claim.job_id, error = %e, "re-match failure not stored");
            }
        }
    }
}

/// The updated report (`None`: nothing to store) and the verdict changes.
async fn rematch(
    state: &AppState,
    claim: &Claim,
) -> Result<(Option<String>, Vec<NewVerdictChange>), String> {
    let Some(text) = state
        .store
        .claimed_report(claim)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok((None, Vec::new()));
    };
    let products = state
        .store
        .products_naming(&claim.artifact_sha256)
        .await
        .map_err(|e| e.to_string())?;
    let dossiers = crate::api::dossiers::current_in_effect(state)
        .await
        .map_err(|e| e.detail)?;
    let index = index_in_use(state);
    let sha = claim.artifact_sha256.clone();
    tokio::task::spawn_blocking(move || {
        let mut report: ScanReport =
            serde_json::from_str(&text).map_err(|e| format!("stored report: {e}"))?;
        let as_of = today();
        let changed = netvet_pipeline::rematch::rematch(&mut report, index.as_deref(), as_of)
            .map_err(|e| e.to_string())?;
        let new_text = netvet_model::json::to_canonical_string(&report)
            .map_err(|e| format!("report not serialisable: {e}"))?;
        if changed.is_empty() {
            // Only the advisory data's age changed: the report is stored, no verdict moved.
            return Ok((Some(new_text), Vec::new()));
        }
        let mut changes = Vec::new();
        for stored in &products {
            changes.extend(verdict_changes(
                stored,
                &sha,
                &text,
                &new_text,
                &dossiers.set,
                as_of,
            )?);
        }
        Ok((Some(new_text), changes))
    })
    .await
    .map_err(|e| format!("the re-match failed (internal error: {e})"))?
}

/// Assessments of `stored` under each built-in catalogue with the report before and after;
/// the roles whose decision differs. Records that do not name `sha` as firmware are skipped.
fn verdict_changes(
    stored: &Product,
    sha: &str,
    before: &str,
    after: &str,
    dossiers: &DossierSet,
    as_of: netvet_model::Date,
) -> Result<Vec<NewVerdictChange>, String> {
    let product: netvet_model::Product =
        serde_json::from_str(&stored.record).map_err(|e| format!("product record: {e}"))?;
    if !product.firmware.iter().any(|f| f.sha256 == sha) {
        return Ok(Vec::new());
    }
    let limits = Limits::default();
    let products = product_set(std::slice::from_ref(&product), dossiers).map_err(|e| e.detail)?;
    let decisions = |catalogue: &Catalogue,
                     report: &str|
     -> Result<Vec<(String, String)>, String> {
        let data = PolicyData {
            dossiers: dossiers.clone(),
            products: products.clone(),
            evidence: evidence(&[report.to_string()]).map_err(|e| e.detail)?,
            as_of,
        };
        let report =
            netvet_pipeline::assess::assess(catalogue, &data, None, &Selection::default(), &limits)
                .map_err(|e| e.to_string())?;
        report
            .assessments
            .iter()
            .map(|a| Ok((a.role.to_string(), a.verdict.decision.as_str().to_string())))
            .collect()
    };
    let mut out = Vec::new();
    for id in Catalogue::builtin_ids() {
        let catalogue = Catalogue::load(&id, &limits).map_err(|e| e.to_string())?;
        let old = decisions(&catalogue, before)?;
        let new: BTreeMap<String, String> = decisions(&catalogue, after)?.into_iter().collect();
        for (role, was) in &old {
            if let Some(now) = new.get(role)
                && now != was
            {
                out.push(NewVerdictChange {
                    product_id: stored.id,
                    org_id: stored.org_id,
                    catalogue_id: id.clone(),
                    role: role.clone(),
                    decision_before: was.clone(),
                    decision_after: now.clone(),
                });
            }
        }
    }
    Ok(out)
}

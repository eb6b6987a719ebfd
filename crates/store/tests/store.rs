//! One suite, run against SQLite and against a throwaway PostgreSQL cluster: migrations,
//! tenancy, credentials, and the job queue's claims, leases and fencing.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use netvet_store::testing::PgCluster;
use netvet_store::{
    Actor, AnalysisStatus, AssessmentFilter, DossierChange, DossierEdit, Error, NewAnalysis,
    NewAssessment, NewInventory, NewOverlay, NewProduct, NewUser, NewVerdictChange, OrgKind,
    Outcome, Page, Role, RoleDecision, Store, TokenScope,
};

/// Runs each scenario on a fresh SQLite file and on a fresh PostgreSQL database.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().join("netvet.sqlite");
                    let store = Store::open(path.to_str().unwrap()).await.unwrap();
                    super::$name(store).await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(cluster) = PgCluster::start().unwrap() else { return };
                    let url = cluster.fresh_database().await.unwrap();
                    let store = Store::open(&url).await.unwrap();
                    super::$name(store.clone()).await;
                    store.close().await;
                    drop(cluster);
                }
            )*
        }
    };
}

both_backends!(
    migrations_are_applied,
    bootstrap_creates_one_admin,
    login_checks_the_password,
    roles_must_fit_the_organisation,
    other_tenants_ids_are_not_found,
    product_updates_need_the_current_revision,
    tokens_expire_and_revoke,
    sessions_end_and_expire,
    claims_are_exclusive_under_concurrency,
    expired_lease_is_requeued_then_failed,
    stale_fencing_token_is_rejected,
    finished_job_stores_report_and_partial_warning,
    release_requeues_without_counting_the_attempt,
    inventories_belong_to_their_operator,
    network_inputs_follow_inventory_visibility,
    dossier_edits_are_kept_as_revisions,
    overlays_are_stored_once_by_digest,
    rematch_jobs_replace_reports_and_record_verdict_changes,
    expired_credentials_are_pruned,
    queue_counts_by_state,
    assessments_are_kept_per_scope,
);

const PASSWORD: &str = "correct horse battery";

struct World {
    admin: Actor,
    op_a: Actor,
    op_b: Actor,
    vendor: Actor,
    auditor: Actor,
    vendor_org: i64,
}

async fn user(store: &Store, admin: &Actor, org: i64, name: &str, role: Role) -> Actor {
    let u = store
        .create_user(
            admin,
            NewUser {
                org_id: org,
                name: name.into(),
                role,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    Actor {
        user: u.id,
        org: u.org_id,
        role: u.role,
    }
}

/// The regulator's admin and auditor, two operators and a vendor.
async fn world(store: &Store) -> World {
    let pw = store.bootstrap_admin(None).await.unwrap().unwrap();
    let admin = store.login("admin", &pw).await.unwrap();
    let a = store
        .create_organisation(&admin, "Operator A", OrgKind::Operator)
        .await
        .unwrap();
    let b = store
        .create_organisation(&admin, "Operator B", OrgKind::Operator)
        .await
        .unwrap();
    let v = store
        .create_organisation(&admin, "Vendor V", OrgKind::Vendor)
        .await
        .unwrap();
    World {
        op_a: user(store, &admin, a.id, "alice", Role::Operator).await,
        op_b: user(store, &admin, b.id, "bob", Role::Operator).await,
        vendor: user(store, &admin, v.id, "vera", Role::Vendor).await,
        auditor: user(store, &admin, admin.org, "audrey", Role::Auditor).await,
        vendor_org: v.id,
        admin,
    }
}

fn sha(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

async fn upload(store: &Store, actor: &Actor, n: u8) -> i64 {
    store
        .create_analysis(
            actor,
            NewAnalysis {
                sha256: sha(n),
                size: 1000,
                media_type: "application/octet-stream".into(),
                file_name: format!("image-{n}.bin"),
                product_id: None,
            },
        )
        .await
        .unwrap()
        .id
}

async fn migrations_are_applied(store: Store) {
    assert_eq!(
        store.applied_migrations().await.unwrap(),
        vec![1, 2, 3, 4, 5, 6]
    );
    store.ping().await.unwrap();
    // The schema is there and empty.
    assert!(matches!(
        store.login("admin", "x").await,
        Err(Error::Unauthenticated)
    ));
}

async fn bootstrap_creates_one_admin(store: Store) {
    let pw = store.bootstrap_admin(None).await.unwrap().unwrap();
    assert_eq!(pw.len(), 32, "16 random bytes in hex");
    assert_eq!(store.bootstrap_admin(None).await.unwrap(), None);
    assert_eq!(
        store.bootstrap_admin(Some("another".into())).await.unwrap(),
        None
    );
    let admin = store.login("admin", &pw).await.unwrap();
    assert_eq!(admin.role, Role::Admin);
    let users = store.list_users(&admin, Page::default()).await.unwrap();
    assert_eq!(users.len(), 1);
}

async fn login_checks_the_password(store: Store) {
    let w = world(&store).await;
    assert_eq!(store.login("alice", PASSWORD).await.unwrap(), w.op_a);
    assert!(matches!(
        store.login("alice", "wrong password").await,
        Err(Error::Unauthenticated)
    ));
    assert!(matches!(
        store.login("nobody", PASSWORD).await,
        Err(Error::Unauthenticated)
    ));
}

async fn roles_must_fit_the_organisation(store: Store) {
    let w = world(&store).await;
    let bad = store
        .create_user(
            &w.admin,
            NewUser {
                org_id: w.op_a.org,
                name: "mallory".into(),
                role: Role::Analyst,
                password: PASSWORD.into(),
            },
        )
        .await;
    assert!(matches!(bad, Err(Error::Invalid(_))), "{bad:?}");
    let taken = store
        .create_organisation(&w.admin, "Operator A", OrgKind::Operator)
        .await;
    assert!(matches!(taken, Err(Error::Conflict(_))), "{taken:?}");
    let by_operator = store
        .create_organisation(&w.op_a, "Mine", OrgKind::Operator)
        .await;
    assert!(matches!(by_operator, Err(Error::Forbidden(_))));
}

async fn other_tenants_ids_are_not_found(store: Store) {
    let w = world(&store).await;
    let a1 = upload(&store, &w.op_a, 1).await;
    let b1 = upload(&store, &w.op_b, 2).await;
    let product = store
        .create_product(
            &w.vendor,
            NewProduct {
                org_id: None,
                record_id: "v-gnb-1".into(),
                name: "V gNB".into(),
                record: "{}".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(product.org_id, w.vendor_org);

    // Each operator sees its own analysis and not the other's: NotFound, as for no id at all.
    assert_eq!(store.analysis(&w.op_a, a1).await.unwrap().id, a1);
    assert!(matches!(
        store.analysis(&w.op_a, b1).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store.analysis_report(&w.op_b, a1).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store.analysis(&w.op_a, 999_999).await,
        Err(Error::NotFound)
    ));
    let listed: Vec<i64> = store
        .list_analyses(&w.op_a, None, Page::default())
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(listed, vec![a1]);

    // The vendor's product is invisible to operators, even for an update or an upload.
    assert!(matches!(
        store.product(&w.op_a, product.id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store
            .update_product(&w.op_a, product.id, "x", "{}", None)
            .await,
        Err(Error::NotFound)
    ));
    let upload_for_other = store
        .create_analysis(
            &w.op_a,
            NewAnalysis {
                sha256: sha(3),
                size: 1,
                media_type: "application/octet-stream".into(),
                file_name: "x.bin".into(),
                product_id: Some(product.id),
            },
        )
        .await;
    assert!(matches!(upload_for_other, Err(Error::NotFound)));
    // A vendor cannot place a product in another organisation.
    let elsewhere = store
        .create_product(
            &w.vendor,
            NewProduct {
                org_id: Some(w.op_a.org),
                record_id: "v-gnb-2".into(),
                name: "V gNB 2".into(),
                record: "{}".into(),
            },
        )
        .await;
    assert!(matches!(elsewhere, Err(Error::NotFound)));

    // The regulator's roles see everything; the auditor only reads.
    let all: BTreeSet<i64> = store
        .list_analyses(&w.auditor, None, Page::default())
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(all, BTreeSet::from([a1, b1]));
    assert!(store.product(&w.auditor, product.id).await.is_ok());
    assert!(matches!(
        store
            .update_product(&w.auditor, product.id, "x", "{}", None)
            .await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        store
            .create_analysis(
                &w.auditor,
                NewAnalysis {
                    sha256: sha(4),
                    size: 1,
                    media_type: "application/octet-stream".into(),
                    file_name: "x.bin".into(),
                    product_id: None,
                },
            )
            .await,
        Err(Error::Forbidden(_))
    ));
    // Organisations: an operator sees only its own.
    let orgs = store
        .list_organisations(&w.op_b, Page::default())
        .await
        .unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].id, w.op_b.org);
    assert!(matches!(
        store.organisation(&w.op_b, w.op_a.org).await,
        Err(Error::NotFound)
    ));
}

async fn product_updates_need_the_current_revision(store: Store) {
    let w = world(&store).await;
    let p = store
        .create_product(
            &w.admin,
            NewProduct {
                org_id: Some(w.vendor_org),
                record_id: "v-amf-1".into(),
                name: "V AMF".into(),
                record: "{\"a\":1}".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(p.revision, 1);
    let p2 = store
        .update_product(&w.vendor, p.id, "V AMF", "{\"a\":2}", Some(1))
        .await
        .unwrap();
    assert_eq!((p2.revision, p2.record.as_str()), (2, "{\"a\":2}"));
    let stale = store
        .update_product(&w.vendor, p.id, "V AMF", "{\"a\":3}", Some(1))
        .await;
    assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
    let dup = store
        .create_product(
            &w.vendor,
            NewProduct {
                org_id: None,
                record_id: "v-amf-1".into(),
                name: "again".into(),
                record: "{}".into(),
            },
        )
        .await;
    assert!(matches!(dup, Err(Error::Conflict(_))));
    // Only vendor organisations own products.
    let to_operator = store
        .create_product(
            &w.admin,
            NewProduct {
                org_id: Some(w.op_a.org),
                record_id: "x".into(),
                name: "x".into(),
                record: "{}".into(),
            },
        )
        .await;
    assert!(matches!(to_operator, Err(Error::Invalid(_))));
}

async fn tokens_expire_and_revoke(store: Store) {
    let w = world(&store).await;
    let t = store
        .create_token(&w.op_a, "ci", &[TokenScope::Read, TokenScope::Write], None)
        .await
        .unwrap();
    assert!(t.secret.starts_with("nvt_"));
    let (actor, scopes) = store.token(&t.secret).await.unwrap();
    assert_eq!(actor, w.op_a);
    assert_eq!(scopes, vec![TokenScope::Read, TokenScope::Write]);
    assert!(matches!(
        store.token("nvt_0000").await,
        Err(Error::Unauthenticated)
    ));

    // Listed without the secret; another user cannot revoke it.
    let listed = store.list_tokens(&w.op_a).await.unwrap();
    assert_eq!(listed, vec![t.token.clone()]);
    assert!(store.list_tokens(&w.op_b).await.unwrap().is_empty());
    assert!(matches!(
        store.revoke_token(&w.op_b, t.token.id).await,
        Err(Error::NotFound)
    ));
    let revoked = store.revoke_token(&w.op_a, t.token.id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(matches!(
        store.token(&t.secret).await,
        Err(Error::Unauthenticated)
    ));

    // Expiry: one second ahead, then past it.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let short = store
        .create_token(&w.op_a, "short", &[TokenScope::Read], Some(now + 1))
        .await
        .unwrap();
    assert!(store.token(&short.secret).await.is_ok());
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(matches!(
        store.token(&short.secret).await,
        Err(Error::Unauthenticated)
    ));
    assert!(matches!(
        store
            .create_token(&w.op_a, "past", &[TokenScope::Read], Some(now - 10))
            .await,
        Err(Error::Invalid(_))
    ));
    // The auditor's tokens read only.
    assert!(matches!(
        store
            .create_token(&w.auditor, "rw", &[TokenScope::Write], None)
            .await,
        Err(Error::Forbidden(_))
    ));
}

async fn sessions_end_and_expire(store: Store) {
    let w = world(&store).await;
    let s = store.create_session(&w.vendor, 3600).await.unwrap();
    let info = store.session(&s.secret).await.unwrap();
    assert_eq!(info.actor, w.vendor);
    assert_eq!(info.csrf_token, s.csrf_token);
    store.end_session(&s.secret).await.unwrap();
    assert!(matches!(
        store.session(&s.secret).await,
        Err(Error::Unauthenticated)
    ));
    let gone = store.create_session(&w.vendor, 0).await.unwrap();
    assert!(matches!(
        store.session(&gone.secret).await,
        Err(Error::Unauthenticated)
    ));
}

async fn claims_are_exclusive_under_concurrency(store: Store) {
    let w = world(&store).await;
    let mut analyses = BTreeSet::new();
    for n in 0..12 {
        analyses.insert(upload(&store, &w.op_a, n).await);
    }
    // Eight workers race for twelve jobs: every job is claimed exactly once.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(c) = store
                .claim_job(&format!("worker-{i}"), Duration::from_secs(60))
                .await
                .unwrap()
            {
                got.push(c.analysis_id);
            }
            got
        }));
    }
    let mut claimed = Vec::new();
    for t in tasks {
        claimed.extend(t.await.unwrap());
    }
    claimed.sort_unstable();
    assert_eq!(claimed, analyses.iter().copied().collect::<Vec<_>>());
    let running = store
        .list_analyses(&w.admin, Some(AnalysisStatus::Running), Page::default())
        .await
        .unwrap();
    assert_eq!(running.len(), 12);
}

async fn expired_lease_is_requeued_then_failed(store: Store) {
    let w = world(&store).await;
    let id = upload(&store, &w.op_a, 7).await;
    let lease = Duration::from_millis(200);
    for attempt in 1..=netvet_store::jobs::MAX_ATTEMPTS {
        let c = store.claim_job("w", lease).await.unwrap().unwrap();
        assert_eq!((c.analysis_id, c.attempt), (id, attempt));
        // Held: nothing else to claim.
        assert!(store.claim_job("other", lease).await.unwrap().is_none());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // The third lease expired too: the job is given up, the analysis failed with the reason.
    assert_eq!(store.requeue_expired().await.unwrap(), 1);
    assert!(store.claim_job("w", lease).await.unwrap().is_none());
    let a = store.analysis(&w.op_a, id).await.unwrap();
    assert_eq!(a.status, AnalysisStatus::Failed);
    assert!(a.error.unwrap().contains("lease expired 3 times"));
}

async fn stale_fencing_token_is_rejected(store: Store) {
    let w = world(&store).await;
    let id = upload(&store, &w.op_a, 9).await;
    let first = store
        .claim_job("slow", Duration::from_millis(100))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    let second = store
        .claim_job("fast", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.job_id, first.job_id);
    assert_eq!(second.fencing_token, first.fencing_token + 1);
    // The worker that lost its lease can neither report nor finish.
    let late = store
        .record_progress(&first, "{}", Duration::from_secs(60))
        .await;
    assert!(matches!(late, Err(Error::StaleLease { .. })), "{late:?}");
    let late = store
        .finish_job(
            &first,
            Outcome::Done {
                report: "stale".into(),
            },
        )
        .await;
    assert!(matches!(late, Err(Error::StaleLease { .. })));
    store
        .finish_job(
            &second,
            Outcome::Done {
                report: "{\"fresh\":true}".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.analysis_report(&w.op_a, id).await.unwrap().as_deref(),
        Some("{\"fresh\":true}")
    );
    // Finished: even the current token cannot write again.
    assert!(matches!(
        store
            .finish_job(&second, Outcome::Failed { error: "x".into() })
            .await,
        Err(Error::StaleLease { .. })
    ));
    assert_eq!(store.job(second.job_id).await.unwrap().state, "done");
}

async fn finished_job_stores_report_and_partial_warning(store: Store) {
    let w = world(&store).await;
    let id = upload(&store, &w.vendor, 5).await;
    let c = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    store
        .record_progress(&c, "{\"files\":3}", Duration::from_secs(60))
        .await
        .unwrap();
    let a = store.analysis(&w.vendor, id).await.unwrap();
    assert_eq!(
        (a.status, a.progress.as_str(), a.has_report),
        (AnalysisStatus::Running, "{\"files\":3}", false)
    );
    store
        .finish_job(
            &c,
            Outcome::Partial {
                report: "{}".into(),
                warning: "limit: 10 entries".into(),
            },
        )
        .await
        .unwrap();
    let a = store.analysis(&w.vendor, id).await.unwrap();
    assert_eq!(a.status, AnalysisStatus::Partial);
    assert_eq!(a.warning.as_deref(), Some("limit: 10 entries"));
    assert!(a.has_report && a.finished_at.is_some());
    // The same bytes uploaded again share the artifact; the evidence lookup finds the report.
    upload(&store, &w.vendor, 5).await;
    assert_eq!(
        store.reports_for(&w.vendor, &[sha(5)]).await.unwrap(),
        vec!["{}".to_string()]
    );
    assert!(
        store
            .reports_for(&w.op_a, &[sha(5)])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn release_requeues_without_counting_the_attempt(store: Store) {
    let w = world(&store).await;
    let id = upload(&store, &w.op_b, 6).await;
    let c = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    store.release_job(&c).await.unwrap();
    assert_eq!(
        store.analysis(&w.op_b, id).await.unwrap().status,
        AnalysisStatus::Queued
    );
    let again = store
        .claim_job("w2", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.job_id, again.attempt), (c.job_id, 1));
    assert!(again.fencing_token > c.fencing_token);
}

fn new_inventory(org_id: Option<i64>, name: &str) -> NewInventory {
    NewInventory {
        org_id,
        name: name.into(),
        format: "csv".into(),
        content: "operator,element_id\nA,gnb-1\n".into(),
        elements: 1,
    }
}

async fn inventories_belong_to_their_operator(store: Store) {
    let w = world(&store).await;
    // An operator uploads its own; naming another operator's organisation is NotFound.
    let a = store
        .create_inventory(&w.op_a, new_inventory(None, "network A"))
        .await
        .unwrap();
    assert_eq!(a.org_id, w.op_a.org);
    assert_eq!(a.user_id, w.op_a.user);
    assert_eq!(a.format, "csv");
    assert_eq!(a.elements, 1);
    assert_eq!(a.size, 28);
    assert_eq!(a.sha256.len(), 64);
    assert!(matches!(
        store
            .create_inventory(&w.op_a, new_inventory(Some(w.op_b.org), "into B"))
            .await,
        Err(Error::NotFound)
    ));
    // The admin names the operator; a vendor organisation cannot own an inventory.
    let b = store
        .create_inventory(&w.admin, new_inventory(Some(w.op_b.org), "network B"))
        .await
        .unwrap();
    assert_eq!(b.org_id, w.op_b.org);
    assert!(matches!(
        store
            .create_inventory(&w.admin, new_inventory(None, "nobody's"))
            .await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        store
            .create_inventory(&w.admin, new_inventory(Some(w.vendor_org), "vendor's"))
            .await,
        Err(Error::Invalid(_))
    ));
    // Vendors and auditors may not upload.
    for actor in [&w.vendor, &w.auditor] {
        assert!(matches!(
            store
                .create_inventory(actor, new_inventory(None, "x"))
                .await,
            Err(Error::Forbidden(_))
        ));
    }
    let mut bad = new_inventory(None, "yaml");
    bad.format = "yaml".into();
    assert!(matches!(
        store.create_inventory(&w.op_a, bad).await,
        Err(Error::Invalid(_))
    ));
    // Each operator sees its own; the regulator all; the vendor none.
    let ids = |list: Vec<netvet_store::Inventory>| list.iter().map(|i| i.id).collect::<Vec<_>>();
    let page = Page::default();
    assert_eq!(
        ids(store.list_inventories(&w.op_a, page).await.unwrap()),
        [a.id]
    );
    assert_eq!(
        ids(store.list_inventories(&w.op_b, page).await.unwrap()),
        [b.id]
    );
    assert_eq!(
        ids(store.list_inventories(&w.auditor, page).await.unwrap()),
        [a.id, b.id]
    );
    assert!(
        store
            .list_inventories(&w.vendor, page)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.inventory(&w.op_a, a.id).await.unwrap(), a);
    for (actor, id) in [(&w.op_a, b.id), (&w.op_b, a.id), (&w.vendor, a.id)] {
        assert!(matches!(
            store.inventory(actor, id).await,
            Err(Error::NotFound)
        ));
    }
}

async fn network_inputs_follow_inventory_visibility(store: Store) {
    let w = world(&store).await;
    let product = store
        .create_product(
            &w.vendor,
            NewProduct {
                org_id: None,
                record_id: "vendor-gnb".into(),
                name: "gNB".into(),
                record: "{}".into(),
            },
        )
        .await
        .unwrap();
    let inv = store
        .create_inventory(&w.op_a, new_inventory(None, "network A"))
        .await
        .unwrap();
    // The operator's report reads every product record (it cannot list them itself).
    let inputs = store.network_inputs(&w.op_a, inv.id).await.unwrap();
    assert_eq!(inputs.inventory, inv);
    assert_eq!(inputs.content, "operator,element_id\nA,gnb-1\n");
    assert_eq!(
        inputs.products.iter().map(|p| p.id).collect::<Vec<_>>(),
        [product.id]
    );
    assert!(
        store
            .list_products(&w.op_a, Page::default())
            .await
            .unwrap()
            .is_empty()
    );
    // A stored report of the vendor's upload is read for the report, by digest.
    let analysis = upload(&store, &w.vendor, 7).await;
    let claim = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.analysis_id, analysis);
    store
        .finish_job(
            &claim,
            Outcome::Done {
                report: "{\"report\":7}".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .network_reports(&w.op_a, inv.id, &[sha(7), sha(8)])
            .await
            .unwrap(),
        ["{\"report\":7}"]
    );
    // Not for another operator or a vendor.
    for actor in [&w.op_b, &w.vendor] {
        assert!(matches!(
            store.network_inputs(actor, inv.id).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            store.network_reports(actor, inv.id, &[sha(7)]).await,
            Err(Error::NotFound)
        ));
    }
}

fn edit(vendor: &str, dossier: &str, expected: Option<i64>) -> DossierEdit {
    DossierEdit {
        vendor_id: vendor.into(),
        dossier: dossier.into(),
        change: DossierChange::Fact,
        fact_id: Some("F1".into()),
        previous: Some(format!("before {dossier}")),
        expected_revision: expected,
    }
}

async fn dossier_edits_are_kept_as_revisions(store: Store) {
    let w = world(&store).await;
    let analyst = user(&store, &w.admin, w.admin.org, "ann", Role::Analyst).await;
    assert_eq!(store.stored_dossier(&w.vendor, "acme").await.unwrap(), None);
    // The first edit of a built-in dossier expects revision 0.
    let r1 = store
        .save_dossier(&analyst, edit("acme", "{\"v\":1}", Some(0)))
        .await
        .unwrap();
    assert_eq!(r1.revision, 1);
    assert_eq!(r1.user_id, analyst.user);
    assert_eq!(r1.change, DossierChange::Fact);
    let r2 = store
        .save_dossier(&w.admin, edit("acme", "{\"v\":2}", None))
        .await
        .unwrap();
    assert_eq!(r2.revision, 2);
    // A stale revision is a conflict and stores nothing.
    assert!(matches!(
        store
            .save_dossier(&analyst, edit("acme", "{\"v\":3}", Some(1)))
            .await,
        Err(Error::Conflict(_))
    ));
    store
        .save_dossier(&w.admin, edit("borealis", "{\"b\":1}", Some(0)))
        .await
        .unwrap();
    // Everyone reads the newest revision of each vendor.
    for actor in [&w.vendor, &w.op_a, &w.auditor] {
        let all = store.stored_dossiers(actor).await.unwrap();
        assert_eq!(
            all.iter()
                .map(|r| (r.vendor_id.as_str(), r.revision, r.dossier.as_str()))
                .collect::<Vec<_>>(),
            [("acme", 2, "{\"v\":2}"), ("borealis", 1, "{\"b\":1}")]
        );
        assert_eq!(
            store.stored_dossier(actor, "acme").await.unwrap(),
            Some(r2.clone())
        );
    }
    // Only admin and analyst edit.
    for actor in [&w.auditor, &w.vendor, &w.op_a] {
        assert!(matches!(
            store.save_dossier(actor, edit("acme", "{}", None)).await,
            Err(Error::Forbidden(_))
        ));
    }
    // The regulator's roles read the history, newest first, with the previous values.
    let history = store
        .dossier_history(&w.auditor, "acme", Page::default())
        .await
        .unwrap();
    assert_eq!(history, [r2.clone(), r1.clone()]);
    assert_eq!(history[1].previous.as_deref(), Some("before {\"v\":1}"));
    for actor in [&w.vendor, &w.op_a] {
        assert!(matches!(
            store.dossier_history(actor, "acme", Page::default()).await,
            Err(Error::Forbidden(_))
        ));
    }
}

fn overlay(n: u8) -> NewOverlay {
    NewOverlay {
        digest: sha(n),
        catalogue_id: format!("draft-{n}"),
        extends: "de-2024".into(),
        files: "{}".into(),
        summary: "{}".into(),
    }
}

async fn overlays_are_stored_once_by_digest(store: Store) {
    let w = world(&store).await;
    let analyst = user(&store, &w.admin, w.admin.org, "ann", Role::Analyst).await;
    let (first, created) = store.create_overlay(&analyst, overlay(1)).await.unwrap();
    assert!(created);
    assert_eq!(first.user_id, analyst.user);
    assert_eq!(first.catalogue_id, "draft-1");
    // The same digest again: the stored one, not a second row.
    let (again, created) = store.create_overlay(&w.admin, overlay(1)).await.unwrap();
    assert!(!created);
    assert_eq!(again, first);
    store.create_overlay(&w.admin, overlay(2)).await.unwrap();
    for actor in [&w.auditor, &w.vendor, &w.op_a] {
        assert!(matches!(
            store.create_overlay(actor, overlay(3)).await,
            Err(Error::Forbidden(_))
        ));
        let list = store.list_overlays(actor, Page::default()).await.unwrap();
        assert_eq!(
            list.iter().map(|o| o.digest.clone()).collect::<Vec<_>>(),
            [sha(1), sha(2)]
        );
        assert_eq!(store.overlay(actor, &sha(1)).await.unwrap(), first);
    }
    assert!(matches!(
        store.overlay(&w.admin, &sha(9)).await,
        Err(Error::NotFound)
    ));
    let mut bad = overlay(4);
    bad.digest = "../etc".into();
    assert!(matches!(
        store.create_overlay(&w.admin, bad).await,
        Err(Error::Invalid(_))
    ));
    // Products for an impact follow tenancy.
    store
        .create_product(
            &w.vendor,
            NewProduct {
                org_id: None,
                record_id: "p1".into(),
                name: "P1".into(),
                record: "{}".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(store.visible_products(&w.vendor).await.unwrap().len(), 1);
    assert_eq!(store.visible_products(&w.auditor).await.unwrap().len(), 1);
    assert!(store.visible_products(&w.op_a).await.unwrap().is_empty());
}

async fn rematch_jobs_replace_reports_and_record_verdict_changes(store: Store) {
    let w = world(&store).await;
    let product = store
        .create_product(
            &w.vendor,
            NewProduct {
                org_id: None,
                record_id: "gnb".into(),
                name: "gNB".into(),
                record: format!("{{\"firmware\":[{{\"sha256\":\"{}\"}}]}}", sha(1)),
            },
        )
        .await
        .unwrap();
    let analysis = upload(&store, &w.vendor, 1).await;
    let claim = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.kind, "analyse");
    assert_eq!(claim.index_digest, None);
    store
        .finish_job(
            &claim,
            Outcome::Done {
                report: "r1".into(),
            },
        )
        .await
        .unwrap();
    // Only the admin imports; one job per analysis with a report, once per digest.
    assert!(matches!(
        store.enqueue_rematch(&w.auditor, "d1").await,
        Err(Error::Forbidden(_))
    ));
    assert_eq!(store.enqueue_rematch(&w.admin, "d1").await.unwrap(), 1);
    assert_eq!(store.enqueue_rematch(&w.admin, "d1").await.unwrap(), 0);
    let claim = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.kind, netvet_store::REMATCH);
    assert_eq!(claim.index_digest.as_deref(), Some("d1"));
    assert_eq!(claim.analysis_id, analysis);
    // The analysis stays done while its report is re-matched.
    let status =
        |store: Store| async move { store.analysis(&w.admin, analysis).await.unwrap().status };
    assert_eq!(status(store.clone()).await, AnalysisStatus::Done);
    assert_eq!(
        store.claimed_report(&claim).await.unwrap().as_deref(),
        Some("r1")
    );
    let named = store.products_naming(&sha(1)).await.unwrap();
    assert_eq!(named.iter().map(|p| p.id).collect::<Vec<_>>(), [product.id]);
    assert!(store.products_naming(&sha(2)).await.unwrap().is_empty());
    assert!(store.products_naming("%").await.unwrap().is_empty());
    let change = NewVerdictChange {
        product_id: product.id,
        org_id: product.org_id,
        catalogue_id: "de-2024".into(),
        role: "ran:gNB".into(),
        decision_before: "allow".into(),
        decision_after: "prohibit".into(),
    };
    store
        .finish_rematch(&claim, Some("r2".into()), std::slice::from_ref(&change))
        .await
        .unwrap();
    assert!(matches!(
        store.finish_rematch(&claim, Some("r3".into()), &[]).await,
        Err(Error::StaleLease { .. })
    ));
    assert_eq!(
        store
            .analysis_report(&w.admin, analysis)
            .await
            .unwrap()
            .as_deref(),
        Some("r2")
    );
    assert_eq!(status(store.clone()).await, AnalysisStatus::Done);
    // The vendor and the regulator see the change; an operator does not.
    for actor in [&w.vendor, &w.auditor] {
        let list = store
            .list_verdict_changes(actor, Page::default())
            .await
            .unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].index_digest, "d1");
        assert_eq!(list[0].analysis_id, analysis);
        assert_eq!(list[0].decision_after, "prohibit");
    }
    assert!(
        store
            .list_verdict_changes(&w.op_a, Page::default())
            .await
            .unwrap()
            .is_empty()
    );
    // A re-match given back or failed leaves the analysis and its report alone.
    assert_eq!(store.enqueue_rematch(&w.admin, "d2").await.unwrap(), 1);
    let claim = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    store.release_job(&claim).await.unwrap();
    assert_eq!(status(store.clone()).await, AnalysisStatus::Done);
    let claim = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    store
        .fail_rematch(&claim, "index unreadable")
        .await
        .unwrap();
    assert_eq!(status(store.clone()).await, AnalysisStatus::Done);
    assert_eq!(store.job(claim.job_id).await.unwrap().state, "failed");
    assert_eq!(
        store
            .analysis_report(&w.admin, analysis)
            .await
            .unwrap()
            .as_deref(),
        Some("r2")
    );
}

async fn expired_credentials_are_pruned(store: Store) {
    let w = world(&store).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let live = store.create_session(&w.vendor, 3600).await.unwrap();
    store.create_session(&w.vendor, 0).await.unwrap();
    store.create_session(&w.op_a, 0).await.unwrap();
    let kept = store
        .create_token(&w.op_a, "kept", &[TokenScope::Read], None)
        .await
        .unwrap();
    let revoked = store
        .create_token(&w.op_a, "revoked", &[TokenScope::Read], None)
        .await
        .unwrap();
    store.revoke_token(&w.op_a, revoked.token.id).await.unwrap();
    store
        .create_token(&w.op_a, "short", &[TokenScope::Read], Some(now + 1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let pruned = store.prune_credentials().await.unwrap();
    assert_eq!(
        pruned,
        netvet_store::Pruned {
            sessions: 2,
            tokens: 1
        }
    );
    // What is live stays; a recently revoked token stays listed for its owner.
    assert!(store.session(&live.secret).await.is_ok());
    assert!(store.token(&kept.secret).await.is_ok());
    let names: Vec<String> = store
        .list_tokens(&w.op_a)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"kept".to_string()) && names.contains(&"revoked".to_string()));
    // A second sweep finds nothing.
    assert_eq!(
        store.prune_credentials().await.unwrap(),
        netvet_store::Pruned::default()
    );
}

async fn queue_counts_by_state(store: Store) {
    let w = world(&store).await;
    assert_eq!(
        store.queue_counts().await.unwrap(),
        netvet_store::QueueCounts::default()
    );
    upload(&store, &w.op_a, 1).await;
    upload(&store, &w.op_b, 2).await;
    upload(&store, &w.op_b, 3).await;
    let claim = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    store
        .finish_job(
            &claim,
            Outcome::Failed {
                error: "broken".into(),
            },
        )
        .await
        .unwrap();
    store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let counts = store.queue_counts().await.unwrap();
    let pairs = |v: &[(&str, i64)]| -> Vec<(String, i64)> {
        v.iter().map(|(s, n)| (s.to_string(), *n)).collect()
    };
    assert_eq!(
        counts.jobs,
        pairs(&[("failed", 1), ("queued", 1), ("running", 1)])
    );
    assert_eq!(
        counts.analyses,
        pairs(&[("failed", 1), ("queued", 1), ("running", 1)])
    );
}

fn assessment(product_id: i64, revision: i64, input: u8, decisions: &[&str]) -> NewAssessment {
    let roles: Vec<RoleDecision> = decisions
        .iter()
        .enumerate()
        .map(|(i, d)| RoleDecision {
            role: format!("RAN:role-{i}"),
            critical: i == 0,
            decision: (*d).to_string(),
        })
        .collect();
    NewAssessment {
        product_id,
        product_revision: revision,
        catalogue_id: "de-2024".into(),
        catalogue_digest: sha(200),
        input_digest: sha(input),
        as_of: "2026-06-01".into(),
        roles,
        report: format!("{{\"input\":{input}}}"),
    }
}

async fn assessments_are_kept_per_scope(store: Store) {
    let w = world(&store).await;
    let p = store
        .create_product(
            &w.vendor,
            NewProduct {
                org_id: None,
                record_id: "v-gnb-1".into(),
                name: "V gNB".into(),
                record: "{}".into(),
            },
        )
        .await
        .unwrap();
    // The regulator's view and the vendor's own are kept apart, each once per input.
    let by_admin = store
        .keep_assessment(&w.admin, &assessment(p.id, 1, 1, &["prohibit", "allow"]))
        .await
        .unwrap();
    let again = store
        .keep_assessment(&w.auditor, &assessment(p.id, 1, 1, &["prohibit", "allow"]))
        .await
        .unwrap();
    assert_eq!(
        by_admin, again,
        "the same inputs in the same scope are kept once"
    );
    let by_vendor = store
        .keep_assessment(&w.vendor, &assessment(p.id, 1, 1, &["allow"]))
        .await
        .unwrap();
    assert_ne!(by_admin, by_vendor);
    assert_eq!(
        store
            .assessment_by_input(&w.vendor, p.id, &sha(1))
            .await
            .unwrap(),
        Some((by_vendor, "{\"input\":1}".to_string()))
    );
    assert_eq!(
        store
            .assessment_by_input(&w.admin, p.id, &sha(1))
            .await
            .unwrap()
            .map(|(id, _)| id),
        Some(by_admin)
    );
    assert_eq!(
        store
            .assessment_by_input(&w.admin, p.id, &sha(2))
            .await
            .unwrap(),
        None
    );
    // Listing: the regulator sees both, the vendor its own scope, operators none; another
    // tenant's product is not found.
    let all = store
        .list_assessments(&w.admin, &AssessmentFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![by_vendor, by_admin]
    );
    assert_eq!(all[1].roles.len(), 2);
    assert_eq!(all[1].counts.prohibit, 1);
    assert_eq!(all[1].catalogue_digest, sha(200));
    let own = store
        .list_assessments(&w.vendor, &AssessmentFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(
        own.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![by_vendor]
    );
    assert!(
        store
            .list_assessments(&w.op_a, &AssessmentFilter::default(), Page::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        store.assessment(&w.vendor, by_admin).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store.assessment(&w.op_a, by_vendor).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store.assessment_by_input(&w.op_a, p.id, &sha(1)).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store
            .keep_assessment(&w.op_b, &assessment(p.id, 1, 3, &["allow"]))
            .await,
        Err(Error::NotFound)
    ));
    let (got, report) = store.assessment(&w.vendor, by_vendor).await.unwrap();
    assert_eq!((got.product_id, report.as_str()), (p.id, "{\"input\":1}"));
    // Filters: by decision (any role), product and catalogue; bad values are refused.
    let prohibited = |f: AssessmentFilter| {
        let store = store.clone();
        let admin = w.admin;
        async move {
            store
                .list_assessments(&admin, &f, Page::default())
                .await
                .map(|l| l.iter().map(|a| a.id).collect::<Vec<_>>())
        }
    };
    assert_eq!(
        prohibited(AssessmentFilter {
            decision: Some("prohibit".into()),
            ..Default::default()
        })
        .await
        .unwrap(),
        vec![by_admin]
    );
    assert_eq!(
        prohibited(AssessmentFilter {
            product_id: Some(p.id),
            catalogue_id: Some("de-2024".into()),
            decision: Some("allow".into()),
        })
        .await
        .unwrap(),
        vec![by_vendor, by_admin]
    );
    assert!(
        prohibited(AssessmentFilter {
            catalogue_id: Some("uk-2022".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty()
    );
    assert!(matches!(
        prohibited(AssessmentFilter {
            decision: Some("maybe' OR 1=1 --".into()),
            ..Default::default()
        })
        .await,
        Err(Error::Invalid(_))
    ));
    // An assessment of a revision that is no longer current is refused; bad digests and
    // decisions too, and nothing is kept of them.
    store
        .update_product(&w.vendor, p.id, "V gNB", "{\"b\":1}", Some(1))
        .await
        .unwrap();
    let stale = store
        .keep_assessment(&w.vendor, &assessment(p.id, 1, 4, &["allow"]))
        .await;
    assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
    let mut bad = assessment(p.id, 2, 5, &["allow"]);
    bad.input_digest = "not hex".into();
    assert!(matches!(
        store.keep_assessment(&w.vendor, &bad).await,
        Err(Error::Invalid(_))
    ));
    let bad = assessment(p.id, 2, 6, &["perhaps"]);
    assert!(matches!(
        store.keep_assessment(&w.vendor, &bad).await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        store
            .list_assessments(&w.admin, &AssessmentFilter::default(), Page::default())
            .await
            .unwrap()
            .len(),
        2
    );
    // Requests that finish evaluating the same inputs at once keep one assessment.
    let racing: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            let vendor = w.vendor;
            let new = assessment(p.id, 2, 7, &["allow"]);
            tokio::spawn(async move { store.keep_assessment(&vendor, &new).await })
        })
        .collect();
    let mut raced = BTreeSet::new();
    for r in racing {
        raced.insert(r.await.unwrap().unwrap());
    }
    assert_eq!(raced.len(), 1, "{raced:?}");
}

//! `netvet serve --demo`: the demo data set, loaded into a fresh data directory so a newcomer
//! can click through — a regulator with analysts, deciders and an auditor, two operators, the
//! fictional vendors, a test lab, one user per role, the fictional product records, and their
//! firmware uploaded by each vendor and analysed through the normal job path.
//!
//! Loading happens only on the start that creates the database (the one that creates the
//! first admin), so `--demo` on a later start loads nothing twice. Every object is made
//! through the store's checked methods as the admin or the vendor would make it over the API;
//! product records are validated as `POST /products` validates them.

use std::collections::BTreeMap;

use netvet_store::{Actor, NewAnalysis, NewProduct, NewUser, OrgKind, Role};

use crate::api::dossiers::current_in_effect;
use crate::api::products::validate;
use crate::{AppState, ServeError};

/// What the caller brings: product records (the JSON form of `examples/products/*.toml`) and
/// firmware images built from the recipes.
#[derive(Clone, Debug, Default)]
pub struct DemoData {
    /// Product records.
    pub products: Vec<serde_json::Value>,
    /// Firmware images.
    pub images: Vec<DemoImage>,
}

/// A sample firmware image.
#[derive(Clone, Debug)]
pub struct DemoImage {
    pub file_name: String,
    /// The record id of the product it belongs to (its vendor uploads it).
    pub product: String,
    pub bytes: Vec<u8>,
}

/// A user the demo created, with the password shown once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoUser {
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub password: String,
}

/// What a demo load made.
#[derive(Clone, Debug, Default)]
pub struct DemoLoaded {
    pub users: Vec<DemoUser>,
    /// Product ids (store ids) by record id.
    pub products: BTreeMap<String, i64>,
    /// Analyses queued, one per image.
    pub analyses: Vec<i64>,
}

/// The fictional operators (the names of the sample inventory, `examples/inventory/`).
const OPERATORS: &[(&str, &str)] = &[
    ("Nordnetz (fictional)", "nordnetz"),
    ("Südfunk (fictional)", "suedfunk"),
];
/// The fictional test lab.
const LAB: (&str, &str) = ("Prüflabor Mitte (fictional)", "lab");
/// The regulator's users besides the admin.
const REGULATOR_USERS: &[(&str, Role)] = &[
    ("analyst", Role::Analyst),
    ("decider", Role::Decider),
    ("auditor", Role::Auditor),
];

fn failed(what: &str, e: impl std::fmt::Display) -> ServeError {
    ServeError(format!("loading the demo data set: {what}: {e}"))
}

/// Creates a user with a random password and records it.
async fn add_user(
    state: &AppState,
    admin: &Actor,
    out: &mut DemoLoaded,
    org: (i64, &str),
    name: &str,
    role: Role,
) -> Result<(), ServeError> {
    let password = netvet_store::random_secret(8).map_err(|e| failed(name, e))?;
    state
        .store
        .create_user(
            admin,
            NewUser {
                org_id: org.0,
                name: name.to_string(),
                role,
                password: password.clone(),
            },
        )
        .await
        .map_err(|e| failed(&format!("user {name}"), e))?;
    out.users.push(DemoUser {
        name: name.to_string(),
        role: role.as_str().to_string(),
        organisation: org.1.to_string(),
        password,
    });
    Ok(())
}

/// Loads `data` as `admin` (whose password is `admin_password`); queues one analysis per
/// image and wakes the workers.
pub async fn load(
    state: &AppState,
    admin_password: &str,
    data: &DemoData,
) -> Result<DemoLoaded, ServeError> {
    let admin = state
        .store
        .login("admin", admin_password)
        .await
        .map_err(|e| failed("the admin", e))?;
    let mut out = DemoLoaded::default();
    let regulator = state
        .store
        .organisation(&admin, admin.org)
        .await
        .map_err(|e| failed("the regulator", e))?;
    for (name, role) in REGULATOR_USERS {
        add_user(
            state,
            &admin,
            &mut out,
            (admin.org, &regulator.name),
            name,
            *role,
        )
        .await?;
    }
    for (org_name, user) in OPERATORS {
        let org = state
            .store
            .create_organisation(&admin, org_name, OrgKind::Operator)
            .await
            .map_err(|e| failed(org_name, e))?;
        add_user(
            state,
            &admin,
            &mut out,
            (org.id, org_name),
            user,
            Role::Operator,
        )
        .await?;
    }
    let lab = state
        .store
        .create_organisation(&admin, LAB.0, OrgKind::Lab)
        .await
        .map_err(|e| failed(LAB.0, e))?;
    add_user(state, &admin, &mut out, (lab.id, LAB.0), LAB.1, Role::Lab).await?;

    // One organisation and one user per vendor, named as its dossier names it.
    let current = current_in_effect(state)
        .await
        .map_err(|e| failed("the vendor dossiers", e.detail))?;
    let dossiers = current.set.as_ref();
    let mut vendors: BTreeMap<String, (i64, Actor)> = BTreeMap::new();
    for record in &data.products {
        let product =
            validate(record.clone(), dossiers).map_err(|e| failed("a product record", e.detail))?;
        if !vendors.contains_key(&product.vendor) {
            let name = dossiers
                .vendors
                .get(&product.vendor)
                .map_or_else(|| product.vendor.clone(), |d| d.dossier.vendor.name.clone());
            let org = state
                .store
                .create_organisation(&admin, &name, OrgKind::Vendor)
                .await
                .map_err(|e| failed(&name, e))?;
            let user = product.vendor.clone();
            add_user(
                state,
                &admin,
                &mut out,
                (org.id, &name),
                &user,
                Role::Vendor,
            )
            .await?;
            let password = out
                .users
                .last()
                .map(|u| u.password.clone())
                .unwrap_or_default();
            let actor = state
                .store
                .login(&user, &password)
                .await
                .map_err(|e| failed(&user, e))?;
            vendors.insert(product.vendor.clone(), (org.id, actor));
        }
        let org_id = vendors.get(&product.vendor).map(|v| v.0);
        let stored = state
            .store
            .create_product(
                &admin,
                NewProduct {
                    org_id,
                    record_id: product.id.clone(),
                    name: product.name.clone(),
                    record: serde_json::to_string(&product).map_err(|e| failed(&product.id, e))?,
                },
            )
            .await
            .map_err(|e| failed(&product.id, e))?;
        out.products.insert(product.id.clone(), stored.id);
    }

    // Each vendor uploads its firmware: stored by content hash, then queued.
    for image in &data.images {
        let product_id = *out.products.get(&image.product).ok_or_else(|| {
            failed(
                &image.file_name,
                format!("no product record {:?}", image.product),
            )
        })?;
        let uploader = data
            .products
            .iter()
            .find(|p| p["id"] == image.product.as_str())
            .and_then(|p| p["vendor"].as_str())
            .and_then(|v| vendors.get(v))
            .map(|v| v.1)
            .ok_or_else(|| failed(&image.file_name, "no vendor"))?;
        let chunk = bytes_of(&image.bytes);
        let stream = futures_util::stream::iter([Ok::<_, std::io::Error>(chunk)]);
        let stored = state
            .objects
            .put_stream(stream, state.config.max_upload)
            .await
            .map_err(|e| failed(&image.file_name, e))?;
        let analysis = state
            .store
            .create_analysis(
                &uploader,
                NewAnalysis {
                    sha256: stored.sha256,
                    size: stored.size,
                    media_type: "application/octet-stream".into(),
                    file_name: image.file_name.clone(),
                    product_id: Some(product_id),
                },
            )
            .await
            .map_err(|e| failed(&image.file_name, e))?;
        out.analyses.push(analysis.id);
    }
    state.jobs.notify_waiters();
    Ok(out)
}

/// The image's bytes as one chunk of the upload stream.
fn bytes_of(data: &[u8]) -> axum::body::Bytes {
    axum::body::Bytes::copy_from_slice(data)
}

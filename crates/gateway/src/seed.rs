//! The demo province's data (Huế): Open311 services, the app's API key, the
//! procedure catalogue (`seed/procedures.json`), a few hundred administrative
//! dossiers over 13 months (`seed/dossiers.json`), alerts, and (through
//! `awareness`) articles and guides.

use crate::sql::{Conn, Optional, params};
use cds_domain::Catalogue;
use cds_provincial_api::{
    DEMO_API_KEY,
    content::{Article, DossierStep, Procedure},
    open311::{Attribute, AttributeValue, Datatype},
};

use crate::{
    auth,
    db::{self, Db, DbError, Location},
    media_store::MediaStore,
    procedures, time,
};

/// The demo catalogue, seeded into an empty database.
const DEMO_CATALOGUE: &[u8] = include_bytes!("../../../assets/catalogue/hue.json");

/// The procedure catalogue, seeded into an empty `procedures` table.
pub const DEMO_PROCEDURES: &[u8] = include_bytes!("../seed/procedures.json");
/// How the demo dossiers are generated.
const DEMO_DOSSIER_PLAN: &[u8] = include_bytes!("../seed/dossiers.json");

/// How many dossiers the demo seed generates.
pub const DEMO_DOSSIERS: usize = 600;

/// Opens the database at `location` (see [`Db::open`]) and seeds what is
/// missing, the demo's pictures into `media`; in one
/// transaction, so replicas starting together seed once.
pub fn open(location: &Location, media: &MediaStore) -> Result<Db, DbError> {
    let db = Db::open(location)?;
    db.blocking(|conn| {
        let tx = conn.transaction()?;
        seed(&tx, media)?;
        Ok(tx.commit()?)
    })?;
    Ok(db)
}

/// The demo catalogue, then the rest of the demo data, where missing.
fn seed(conn: &Conn, media: &MediaStore) -> Result<(), DbError> {
    let has_catalogue: Option<i64> = conn
        .query_row("SELECT id FROM catalogue", [], |row| row.get(0))
        .optional()?;
    if has_catalogue.is_none() {
        Catalogue::parse(DEMO_CATALOGUE)?;
        db::store_catalogue(conn, DEMO_CATALOGUE)?;
        log::info!("seeded the demo province's catalogue");
    }
    demo(conn, media)?;
    Ok(())
}

/// Seeds what is missing; safe to call at every start.
pub fn demo(conn: &Conn, media: &MediaStore) -> Result<(), DbError> {
    let count = |conn: &Conn, table: &str| -> crate::sql::Result<i64> {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
            row.get(0)
        })
    };
    if count(conn, "services")? == 0 {
        services(conn)?;
    }
    if count(conn, "api_keys")? == 0 {
        auth::register_api_key(conn, "Công Dân Số (demo)", DEMO_API_KEY)?;
    }
    if count(conn, "procedures")? == 0 {
        let catalogue = procedures::parse(DEMO_PROCEDURES).map_err(DbError::Demo)?;
        let tx = conn.transaction()?;
        procedures::store(&tx, &catalogue)?;
        // Dossiers stored before the catalogue existed: their procedure, by name.
        tx.execute(
            "UPDATE dossiers SET procedure_id =
                 (SELECT id FROM procedures WHERE name_vi = dossiers.procedure ORDER BY sort LIMIT 1)
             WHERE procedure_id IS NULL",
            [],
        )?;
        tx.commit()?;
        log::info!("seeded {} procedures", catalogue.len());
    }
    if count(conn, "dossiers")? == 0 {
        dossiers(conn, DEMO_DOSSIERS, 46, time::now_ms())?;
    }
    if count(conn, "content")? == 0 {
        content(conn, media)?;
    }
    society(conn, media, count)?;
    Ok(())
}

/// Issue 14's demo data, where missing: alerts, places, OCOP products with
/// their batches (`seed/*.json`), and the articles of each field
/// (`seed/field_articles.json`; the bill page's e-wallet guide is
/// `seed/awareness.json`'s).
fn society(
    conn: &Conn,
    media: &MediaStore,
    count: impl Fn(&Conn, &str) -> crate::sql::Result<i64>,
) -> Result<(), DbError> {
    let now = time::now_ms();
    if count(conn, "alerts")? == 0 {
        crate::alerts::seed_demo(conn, now)?;
    }
    if count(conn, "places")? == 0 {
        crate::places::seed_demo(conn, now)?;
    }
    if count(conn, "products")? == 0 {
        crate::products::seed_demo(conn, media, now)?;
    }
    let articles: Vec<serde_json::Value> = serde_json::from_slice(DEMO_FIELD_ARTICLES)?;
    for mut article in articles {
        let Some(object) = article.as_object_mut() else {
            continue;
        };
        object.insert("updated_datetime".into(), time::iso(now).into());
        object
            .entry("steps")
            .or_insert_with(|| serde_json::json!([]));
        let article: Article = serde_json::from_value(article)?;
        conn.execute(
            "INSERT INTO content (id, kind, body, updated_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
            params![
                article.id,
                article.kind,
                serde_json::to_string(&article)?,
                now
            ],
        )?;
    }
    Ok(())
}

/// The articles of each field (health, education, …).
const DEMO_FIELD_ARTICLES: &[u8] = include_bytes!("../seed/field_articles.json");

fn attr(
    code: &str,
    datatype: Datatype,
    required: bool,
    description: &str,
    values: &[(&str, &str)],
) -> Attribute {
    Attribute {
        variable: true,
        code: code.into(),
        datatype,
        required,
        datatype_description: String::new(),
        order: 0,
        description: description.into(),
        values: values
            .iter()
            .map(|(key, name)| AttributeValue {
                key: (*key).into(),
                name: (*name).into(),
            })
            .collect(),
    }
}

fn services(conn: &Conn) -> Result<(), DbError> {
    /// code, name, description, keywords, group, attributes.
    type Row<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, Vec<Attribute>);
    let list: Vec<Row<'_>> = vec![
        (
            "pothole",
            "Ổ gà, hư hỏng mặt đường",
            "Mặt đường bị lún, nứt, ổ gà gây nguy hiểm.",
            "pothole road ổ gà đường",
            "giao-thong",
            vec![
                attr(
                    "size",
                    Datatype::Singlevaluelist,
                    true,
                    "Kích thước",
                    &[
                        ("small", "Nhỏ (dưới 30 cm)"),
                        ("medium", "Vừa"),
                        ("large", "Lớn (trên 1 m)"),
                    ],
                ),
                attr("depth_cm", Datatype::Number, false, "Độ sâu (cm)", &[]),
            ],
        ),
        (
            "streetlight",
            "Đèn đường hỏng",
            "Đèn chiếu sáng công cộng không sáng, chập chờn hoặc sáng ban ngày.",
            "streetlight light đèn",
            "chieu-sang",
            vec![attr(
                "pole_number",
                Datatype::String,
                false,
                "Số hiệu cột đèn (nếu thấy)",
                &[],
            )],
        ),
        (
            "flooding",
            "Ngập úng",
            "Đường, khu dân cư bị ngập sau mưa hoặc do cống tắc.",
            "flood ngập nước",
            "thoat-nuoc",
            vec![
                attr(
                    "depth_cm",
                    Datatype::Number,
                    true,
                    "Mực nước ước tính (cm)",
                    &[],
                ),
                attr("since", Datatype::Datetime, false, "Ngập từ lúc", &[]),
            ],
        ),
        (
            "rubbish",
            "Rác thải, vệ sinh môi trường",
            "Rác tồn đọng, đổ trộm, thùng rác đầy.",
            "rubbish garbage rác",
            "moi-truong",
            vec![attr(
                "kinds",
                Datatype::Multivaluelist,
                false,
                "Loại rác",
                &[
                    ("household", "Rác sinh hoạt"),
                    ("construction", "Xà bần"),
                    ("hazardous", "Chất thải nguy hại"),
                ],
            )],
        ),
        (
            "fallen_tree",
            "Cây xanh gãy đổ",
            "Cây gãy, nghiêng, có nguy cơ đổ sau mưa bão.",
            "tree cây",
            "cay-xanh",
            vec![],
        ),
        (
            "sidewalk",
            "Lấn chiếm vỉa hè, lòng đường",
            "Vỉa hè, lòng đường bị lấn chiếm để kinh doanh, để xe.",
            "sidewalk vỉa hè",
            "trat-tu-do-thi",
            vec![attr("details", Datatype::Text, false, "Mô tả thêm", &[])],
        ),
    ];
    for (sort, (code, name, description, keywords, group, mut attributes)) in
        list.into_iter().enumerate()
    {
        for (order, attribute) in attributes.iter_mut().enumerate() {
            attribute.order = u32::try_from(order + 1).unwrap_or(u32::MAX);
        }
        conn.execute(
            "INSERT INTO services (code, name, description, keywords, grp, attributes, sort)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                code,
                name,
                description,
                keywords,
                group,
                serde_json::to_string(&attributes)?,
                i64::try_from(sort).unwrap_or(0)
            ],
        )?;
    }
    Ok(())
}

/// A small deterministic generator (xorshift), so that a seed gives the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n as u64)).unwrap_or(0)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// Huế is UTC+7: a local day starts at 17:00 UTC the day before.
const LOCAL_OFFSET_MS: i64 = 7 * HOUR_MS;
/// Dossiers are received over the 400 days (about 13 months) before the seed.
const SPAN_DAYS: usize = 400;
const RECENT_DAYS: usize = 21;

/// How the demo dossiers are made: which procedures, at which agencies, how often, how late.
#[derive(Debug, serde::Deserialize)]
struct DossierPlan {
    wards: Vec<String>,
    steps: Vec<String>,
    reception: Reception,
    supplement_note: String,
    returned_note: String,
    procedures: Vec<PlannedProcedure>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Reception {
    ward: String,
    province: String,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlannedProcedure {
    /// A procedure of the catalogue.
    id: String,
    /// `{ward}` is replaced by one of the wards.
    agency: String,
    weight: u32,
    late_percent: u32,
    /// The time limit in calendar days, where the catalogue has no working days.
    #[serde(default)]
    days: Option<u32>,
    /// Where it is received, if not the level's one-stop office.
    #[serde(default)]
    reception: Option<String>,
}

/// The time limit of a planned procedure.
#[derive(Debug, Clone, Copy)]
enum Limit {
    WorkingDays(u32),
    Days(u32),
}

/// The plan, checked against the catalogue: each planned procedure with its
/// catalogue entry and time limit.
fn plan(catalogue: &[Procedure]) -> Result<(DossierPlan, Vec<(usize, Limit)>), DbError> {
    let plan: DossierPlan = serde_json::from_slice(DEMO_DOSSIER_PLAN)?;
    let fault = |what: String| DbError::Demo(format!("seed/dossiers.json: {what}"));
    if plan.wards.is_empty() || plan.steps.len() < 2 || plan.procedures.is_empty() {
        return Err(fault(
            "needs wards, at least two steps and procedures".into(),
        ));
    }
    let mut resolved = Vec::with_capacity(plan.procedures.len());
    for planned in &plan.procedures {
        let index = catalogue
            .iter()
            .position(|p| p.id == planned.id)
            .ok_or_else(|| fault(format!("{}: not in the procedure catalogue", planned.id)))?;
        let limit = match (planned.days, catalogue[index].processing_days) {
            (Some(days), _) if days > 0 => Limit::Days(days),
            (None, Some(days)) => Limit::WorkingDays(days),
            _ => return Err(fault(format!("{}: no time limit", planned.id))),
        };
        if planned.weight == 0 || planned.late_percent > 100 {
            return Err(fault(format!("{}: weight or late_percent", planned.id)));
        }
        resolved.push((index, limit));
    }
    Ok((plan, resolved))
}

/// The local (Huế) day number of `ms`, and its weekday (0 = Monday).
fn local_day(ms: i64) -> (i64, i64) {
    let day = (ms + LOCAL_OFFSET_MS).div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday.
    (day, (day + 3).rem_euclid(7))
}

/// The end of office hours (17:00 in Huế) of the `n`th working day after
/// the day of `ms` (weekends skipped).
fn after_working_days(ms: i64, n: u32) -> i64 {
    let (mut day, _) = local_day(ms);
    let mut left = n.max(1);
    while left > 0 {
        day += 1;
        if (day + 3).rem_euclid(7) < 5 {
            left -= 1;
        }
    }
    day * DAY_MS - LOCAL_OFFSET_MS + 17 * HOUR_MS
}

/// Generates `count` dossiers across Huế's agencies from the catalogue and
/// `seed/dossiers.json`: received on working days over the ~13 months before
/// `now_ms`, due by the procedure's time limit; most finished, a share late
/// (per procedure), some still open, a few of those past due, a few returned.
/// Returns how many were stored.
pub fn dossiers(conn: &Conn, count: usize, seed: u64, now_ms: i64) -> Result<usize, DbError> {
    let catalogue = procedures::parse(DEMO_PROCEDURES).map_err(DbError::Demo)?;
    let (plan, limits) = plan(&catalogue)?;
    let total_weight: usize = plan.procedures.iter().map(|p| p.weight as usize).sum();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let ms = |n: usize| i64::try_from(n).unwrap_or(0);
    let tx = conn.transaction()?;
    let mut made = 0;
    for i in 0..count {
        let mut pick = rng.below(total_weight);
        let mut which = 0;
        while pick >= plan.procedures[which].weight as usize {
            pick -= plan.procedures[which].weight as usize;
            which += 1;
        }
        let (planned, (index, limit)) = (&plan.procedures[which], limits[which]);
        let procedure = &catalogue[index];
        let ward = rng.pick(&plan.wards);
        let agency = planned.agency.replace("{ward}", ward);
        let reception = planned
            .reception
            .as_deref()
            .unwrap_or(if procedure.level == "ward" {
                &plan.reception.ward
            } else {
                &plan.reception.province
            })
            .replace("{ward}", ward);
        // A working day, 07:30–17:00 in Huế; one dossier in five from the
        // last three weeks, so that the demo has dossiers in progress.
        let days_ago = if rng.below(5) == 0 {
            rng.below(RECENT_DAYS)
        } else {
            rng.below(SPAN_DAYS)
        };
        let (mut day, _) = local_day(now_ms - ms(days_ago) * DAY_MS);
        while (day + 3).rem_euclid(7) >= 5 {
            day -= 1;
        }
        let received = (day * DAY_MS - LOCAL_OFFSET_MS
            + 7 * HOUR_MS
            + HOUR_MS / 2
            + ms(rng.below(570)) * 60_000)
            .min(now_ms - 60_000);
        let due = match limit {
            Limit::WorkingDays(n) => after_working_days(received, n),
            Limit::Days(n) => received + i64::from(n) * DAY_MS,
        };
        let returned = rng.below(100) < 3;
        let late = !returned && rng.below(100) < planned.late_percent as usize;
        let finish = if returned {
            received + ms(1 + rng.below(3)) * DAY_MS / 2
        } else if late {
            due + ms(1 + rng.below(10)) * DAY_MS + ms(rng.below(8)) * HOUR_MS
        } else {
            received + (due - received) * ms(15 + rng.below(85)) / 100
        };
        // Some late dossiers of the last two months are still open.
        let stuck = late && due > now_ms - 60 * DAY_MS && rng.below(100) < 40;
        let (status, finished) = if finish <= now_ms && !stuck {
            (if returned { "returned" } else { "done" }, Some(finish))
        } else if now_ms - received < 4 * HOUR_MS {
            ("received", None)
        } else if rng.below(100) < 25 {
            ("supplement_requested", None)
        } else {
            ("processing", None)
        };
        let last = plan.steps.len();
        let shown = match status {
            "done" => last,
            "returned" => 2,
            "received" => 1,
            _ => {
                let progress = (now_ms - received) * 100 / (due - received).max(1);
                1 + usize::try_from(progress.clamp(0, 99)).unwrap_or(0) * (last - 1) / 100
            }
        };
        let end = finished.unwrap_or(now_ms).max(received);
        let span = end - received;
        let steps: Vec<DossierStep> = (0..shown)
            .map(|s| {
                let start = received + span * ms(s) / ms(shown);
                let stop = received + span * ms(s + 1) / ms(shown);
                DossierStep {
                    name: plan.steps[if status == "done" { s } else { s.min(last - 2) }].clone(),
                    unit: if s == 0 {
                        reception.clone()
                    } else {
                        agency.clone()
                    },
                    started_date: time::iso(start),
                    finished_date: (s + 1 < shown || finished.is_some()).then(|| time::iso(stop)),
                }
            })
            .collect();
        let updated = finished.unwrap_or(received + span * ms(shown - 1) / ms(shown));
        let note = match status {
            "supplement_requested" => {
                let documents = &procedure.documents;
                let document = &documents[rng.below(documents.len())].vi;
                plan.supplement_note.replace("{document}", document)
            }
            "returned" => plan.returned_note.clone(),
            _ => String::new(),
        };
        let code = format!(
            "H46.{:02}-{}-{:04}",
            1 + rng.below(40),
            time::date(received).replace('-', "")[2..].to_owned(),
            i + 1
        );
        let phone_last4 = format!("{:04}", rng.below(10_000));
        made += tx.execute(
            "INSERT INTO dossiers (code, phone_last4, procedure, agency, received_ms, due_ms,
                 finished_ms, status, steps, level, procedure_id, note, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT DO NOTHING",
            params![
                code,
                phone_last4,
                procedure.name.vi,
                agency,
                received,
                due,
                finished,
                status,
                serde_json::to_string(&steps)?,
                procedure.level,
                procedure.id,
                note,
                updated
            ],
        )?;
    }
    tx.commit()?;
    Ok(made)
}

fn content(conn: &Conn, media: &MediaStore) -> Result<(), DbError> {
    let now = time::now_ms();
    crate::awareness::seed(conn, media, now)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_dossiers_span_thirteen_months_of_catalogue_procedures() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(
            &Location::Sqlite(dir.path().to_owned()),
            &MediaStore::folder(dir.path()),
        )
        .unwrap();
        let now = time::parse("2026-11-20T03:00:00Z").unwrap();
        let catalogue = procedures::parse(DEMO_PROCEDURES).unwrap();
        db.blocking(|conn| {
            conn.execute("DELETE FROM dossiers", [])?;
            assert_eq!(dossiers(conn, 600, 7, now)?, 600);
            let (first, last, late, finished, open, overdue): (i64, i64, i64, i64, i64, i64) = conn
                .query_row(
                    "SELECT MIN(received_ms), MAX(received_ms), SUM(CASE WHEN finished_ms > due_ms THEN 1 ELSE 0 END),
                            COUNT(finished_ms), COUNT(*) - COUNT(finished_ms),
                            SUM(CASE WHEN finished_ms IS NULL AND due_ms < ?1 THEN 1 ELSE 0 END)
                     FROM dossiers",
                    [now],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                        ))
                    },
                )?;
            assert!(last <= now && now - first > 380 * DAY_MS, "{first} {last}");
            assert!(
                late > 0 && late * 100 / finished < 15,
                "{late} of {finished} late"
            );
            assert!(
                open > 10 && overdue > 0 && overdue < open,
                "{open} open, {overdue} overdue"
            );
            let mut rows = conn.prepare(
                "SELECT procedure_id, procedure, level, status, note, updated_ms, received_ms,
                        COALESCE(finished_ms, 0) FROM dossiers",
            )?;
            let rows = rows.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                ))
            })?;
            for row in rows {
                let (id, name, level, status, note, updated, received, finished) = row?;
                let procedure = catalogue.iter().find(|p| p.id == id).unwrap();
                assert_eq!(
                    (procedure.name.vi.as_str(), procedure.level.as_str()),
                    (name.as_str(), level.as_str())
                );
                assert_eq!(
                    note.is_empty(),
                    !matches!(status.as_str(), "supplement_requested" | "returned"),
                    "{status}: {note:?}"
                );
                assert!(received <= updated && updated <= now && finished <= now);
            }
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn a_database_of_schema_2_keeps_its_dossiers_and_gets_their_new_fields() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = rusqlite::Connection::open(dir.path().join(db::DB_FILE)).unwrap();
            for step in &crate::migrations::SQLITE[..2] {
                conn.execute_batch(step).unwrap();
            }
            conn.pragma_update(None, "user_version", 2).unwrap();
            conn.execute_batch(
                "INSERT INTO dossiers (code, phone_last4, procedure, agency, received_ms, due_ms, finished_ms, status, steps)
                 VALUES ('H46.01-250101-0001', '1234', 'Đăng ký khai sinh', 'UBND phường Vỹ Dạ', 1000, 2000, 1500, 'done', '[]'),
                        ('H46.02-250101-0002', '5678', 'Cấp phiếu lý lịch tư pháp', 'Sở Tư pháp', 1000, 9000, NULL, 'processing', '[]');",
            )
            .unwrap();
        }
        let db = open(
            &Location::Sqlite(dir.path().to_owned()),
            &MediaStore::folder(dir.path()),
        )
        .unwrap();
        db.blocking(|conn| {
            let rows: Vec<(String, String, Option<String>, String, i64)> = conn
                .prepare("SELECT code, level, procedure_id, note, updated_ms FROM dossiers ORDER BY code")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                .collect::<crate::sql::Result<_>>()?;
            assert_eq!(
                rows,
                vec![
                    ("H46.01-250101-0001".into(), "ward".into(), Some("1.001193".into()), String::new(), 1500),
                    ("H46.02-250101-0002".into(), "province".into(), None, String::new(), 1000),
                ]
            );
            let procedures: i64 = conn.query_row("SELECT COUNT(*) FROM procedures", [], |r| r.get(0))?;
            assert!(procedures >= 60);
            Ok(())
        })
        .unwrap();
    }
}

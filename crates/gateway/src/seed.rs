//! The demo province's data (Huế): Open311 services, the app's API key,
//! a few hundred administrative dossiers, alerts, articles and guides.

use std::path::Path;

use cds_domain::{Catalogue, LocalizedText};
use cds_provincial_api::{
    DEMO_API_KEY,
    content::{Alert, Article, DossierStep, GuideStep},
    open311::{Attribute, AttributeValue, Datatype},
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{
    auth,
    db::{self, Db, DbError},
    time,
};

/// The demo catalogue, seeded into an empty database.
const DEMO_CATALOGUE: &[u8] = include_bytes!("../../../assets/catalogue/hue.json");

/// How many dossiers the demo seed generates.
pub const DEMO_DOSSIERS: usize = 300;

/// Opens the database in `dir` (see [`Db::open`]) and seeds what is missing.
pub fn open(dir: &Path) -> Result<Db, DbError> {
    let db = Db::open(dir)?;
    db.blocking(|conn| seed(conn, dir))?;
    Ok(db)
}

/// The demo catalogue, then the rest of the demo data, where missing.
fn seed(conn: &mut Connection, dir: &Path) -> Result<(), DbError> {
    let has_catalogue: Option<i64> = conn
        .query_row("SELECT id FROM catalogue", [], |row| row.get(0))
        .optional()?;
    if has_catalogue.is_none() {
        Catalogue::parse(DEMO_CATALOGUE)?;
        db::store_catalogue(conn, DEMO_CATALOGUE)?;
        log::info!("seeded the demo province's catalogue");
    }
    demo(conn, dir)?;
    Ok(())
}

/// Seeds what is missing; safe to call at every start.
pub fn demo(conn: &mut Connection, dir: &std::path::Path) -> Result<(), DbError> {
    let count = |conn: &Connection, table: &str| -> rusqlite::Result<i64> {
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
    if count(conn, "dossiers")? == 0 {
        dossiers(conn, DEMO_DOSSIERS, 46, time::now_ms())?;
    }
    if count(conn, "content")? == 0 {
        content(conn, dir)?;
    }
    Ok(())
}

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

fn services(conn: &Connection) -> Result<(), DbError> {
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
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const DAY_MS: i64 = 86_400_000;

/// Generates `count` realistic dossiers across Huế's agencies, received in the
/// 60 days before `now_ms`, some finished, some late.
pub fn dossiers(
    conn: &mut Connection,
    count: usize,
    seed: u64,
    now_ms: i64,
) -> Result<usize, DbError> {
    const PROCEDURES: &[(&str, &str, i64)] = &[
        ("Đăng ký khai sinh", "UBND phường", 1),
        ("Đăng ký kết hôn", "UBND phường", 3),
        ("Chứng thực bản sao từ bản chính", "UBND phường", 1),
        ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "Sở Xây dựng", 15),
        ("Đăng ký hộ kinh doanh", "Sở Tài chính", 3),
        ("Cấp phiếu lý lịch tư pháp", "Sở Tư pháp", 10),
        (
            "Đăng ký biến động quyền sử dụng đất",
            "Văn phòng Đăng ký đất đai",
            10,
        ),
        ("Cấp đổi giấy phép lái xe", "Sở Xây dựng", 5),
        ("Xác nhận tình trạng hôn nhân", "UBND phường", 3),
        ("Cấp giấy chứng nhận an toàn thực phẩm", "Sở Y tế", 15),
    ];
    const WARDS: &[&str] = &[
        "Phú Xuân",
        "Thuận Hoá",
        "Vỹ Dạ",
        "Kim Long",
        "Hương Thuỷ",
        "Hương Trà",
        "Thuỷ Xuân",
        "An Cựu",
    ];
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let tx = conn.transaction()?;
    let mut made = 0;
    for i in 0..count {
        let (procedure, agency, days) = PROCEDURES[rng.below(PROCEDURES.len())];
        let agency = if agency == "UBND phường" {
            format!("UBND phường {}", rng.pick(WARDS))
        } else {
            agency.to_owned()
        };
        let received = now_ms
            - i64::try_from(rng.below(60)).unwrap_or(0) * DAY_MS
            - i64::try_from(rng.below(8 * 3600)).unwrap_or(0) * 1000;
        let due = received + days * DAY_MS;
        let roll = rng.below(100);
        let (status, finished) = if roll < 55 && due < now_ms + DAY_MS {
            let late = rng.below(100) < 15;
            let finish = if late {
                due + (1 + i64::try_from(rng.below(5)).unwrap_or(0)) * DAY_MS
            } else {
                received + (due - received) * i64::try_from(30 + rng.below(70)).unwrap_or(50) / 100
            };
            ("done", Some(finish.min(now_ms)))
        } else if roll < 62 {
            ("supplement_requested", None)
        } else if roll < 65 {
            ("returned", Some(received + DAY_MS))
        } else {
            ("processing", None)
        };
        let step_names = ["Tiếp nhận hồ sơ", "Thẩm định", "Phê duyệt", "Trả kết quả"];
        let shown = match status {
            "done" => 4,
            "returned" => 2,
            _ => 1 + rng.below(3),
        };
        let span = finished.unwrap_or(now_ms).max(received) - received;
        let steps: Vec<DossierStep> = (0..shown)
            .map(|s| {
                let start = received + span * i64::try_from(s).unwrap_or(0) / 4;
                let end = received + span * i64::try_from(s + 1).unwrap_or(0) / 4;
                DossierStep {
                    name: step_names[s].into(),
                    unit: if s == 0 {
                        "Bộ phận Một cửa".into()
                    } else {
                        agency.clone()
                    },
                    started_date: time::iso(start),
                    finished_date: (s + 1 < shown || finished.is_some()).then(|| time::iso(end)),
                }
            })
            .collect();
        let code = format!(
            "H46.{:02}-{}-{:04}",
            1 + rng.below(40),
            time::date(received).replace('-', "")[2..].to_owned(),
            i + 1
        );
        let phone_last4 = format!("{:04}", rng.below(10_000));
        tx.execute(
            "INSERT OR IGNORE INTO dossiers (code, phone_last4, procedure, agency, received_ms, due_ms, finished_ms, status, steps)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![code, phone_last4, procedure, agency, received, due, finished, status, serde_json::to_string(&steps)?],
        )?;
        made += 1;
    }
    tx.commit()?;
    Ok(made)
}

fn text(vi: &str, en: &str) -> LocalizedText {
    LocalizedText {
        vi: vi.into(),
        en: en.into(),
    }
}

fn content(conn: &Connection, dir: &std::path::Path) -> Result<(), DbError> {
    let now = time::now_ms();
    // Illustrations of the guide's steps, served like any photo (the URL is
    // made absolute when served).
    let media = crate::media::MediaDir::new(dir);
    let image = |step: usize| -> Result<Option<String>, DbError> {
        let png = crate::illustration::step_card(step, [30, 64, 175], 320, 200);
        let sniffed = crate::media::sniff(&png).map_err(|err| DbError::Worker(err.to_string()))?;
        Ok(Some(format!(
            "/media/{}",
            media.store(conn, &png, sniffed)?
        )))
    };
    let alerts = [
        Alert {
            id: "lu-song-huong".into(),
            severity: "warning".into(),
            areas: vec!["*".into()],
            title: text(
                "Cảnh báo lũ trên sông Hương",
                "Flood warning on the Perfume River",
            ),
            body: text(
                "Mực nước sông Hương tại Kim Long có thể vượt báo động 2 trong 24 giờ tới. Không đi qua ngầm, tràn.",
                "The Perfume River at Kim Long may pass alarm level 2 within 24 hours. Do not cross flooded fords.",
            ),
            valid_from: time::iso(now - DAY_MS),
            valid_until: time::iso(now + 2 * DAY_MS),
            updated_datetime: time::iso(now),
        },
        Alert {
            id: "xa-lu-ho-ta-trach".into(),
            severity: "danger".into(),
            areas: vec!["*".into()],
            title: text(
                "Thông báo xả lũ hồ Tả Trạch",
                "Spillway release at Tả Trạch reservoir",
            ),
            body: text(
                "Hồ Tả Trạch xả lũ từ 14 giờ; vùng hạ du chủ động di dời tài sản.",
                "Tả Trạch reservoir releases water from 2 pm; people downstream should move belongings to safety.",
            ),
            valid_from: time::iso(now),
            valid_until: time::iso(now + DAY_MS),
            updated_datetime: time::iso(now),
        },
    ];
    for alert in alerts {
        conn.execute(
            "INSERT INTO content (id, kind, body, updated_ms) VALUES (?1, 'alert', ?2, ?3)",
            params![alert.id, serde_json::to_string(&alert)?, now],
        )?;
    }
    let articles = [
        Article {
            id: "canh-giac-lua-dao-vneid".into(),
            kind: "article".into(),
            title: text(
                "Cảnh giác cuộc gọi giả danh công an hướng dẫn cài VNeID",
                "Beware of calls posing as police to 'help' install VNeID",
            ),
            body: text(
                "Công an không gọi điện yêu cầu cài ứng dụng lạ hay cung cấp mã OTP. Hãy cúp máy và báo cho công an phường.",
                "The police never call to ask you to install an app or give an OTP code. Hang up and tell your ward police.",
            ),
            steps: vec![],
            updated_datetime: time::iso(now),
        },
        Article {
            id: "cai-dat-vneid".into(),
            kind: "guide".into(),
            title: text("Cài đặt và kích hoạt VNeID", "Install and activate VNeID"),
            body: text(
                "Làm theo từng bước; tổ công nghệ số cộng đồng có thể giúp bạn.",
                "Follow each step; your community digital team can help.",
            ),
            steps: vec![
                GuideStep {
                    text: text(
                        "Mở kho ứng dụng, tìm \"VNeID\" của Bộ Công an.",
                        "Open the app store and find \"VNeID\" by the Ministry of Public Security.",
                    ),
                    image_url: image(1)?,
                },
                GuideStep {
                    text: text(
                        "Cài đặt, mở ứng dụng, chọn \"Kích hoạt tài khoản định danh điện tử\".",
                        "Install it, open it, choose \"Activate electronic identity account\".",
                    ),
                    image_url: image(2)?,
                },
                GuideStep {
                    text: text(
                        "Nhập số định danh cá nhân và số điện thoại; nhận mã OTP.",
                        "Enter your personal ID number and phone number; receive the OTP code.",
                    ),
                    image_url: image(3)?,
                },
            ],
            updated_datetime: time::iso(now),
        },
    ];
    for article in articles {
        conn.execute(
            "INSERT INTO content (id, kind, body, updated_ms) VALUES (?1, ?2, ?3, ?4)",
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

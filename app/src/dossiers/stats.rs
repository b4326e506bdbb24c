//! On-time statistics (Tỉ lệ giải quyết đúng hạn): per agency, the share of
//! dossiers resolved by their due date over the last 12 months, as an SVG bar
//! chart with the same figures in a table beside it.

use cds_domain::Lang;
use cds_ipc::{AgencyOnTime, DossierStats, Empty, LoadDossierStats};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    state::AppState,
    tile_page::tile_frame,
};

/// The share resolved on time, in whole percent.
fn percent(row: &AgencyOnTime) -> u32 {
    if row.resolved == 0 {
        return 0;
    }
    let share = u64::from(row.resolved_on_time) * 100 / u64::from(row.resolved);
    u32::try_from(share).unwrap_or(100)
}

#[component]
pub fn DossierStatsPage(tile: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let stats = RwSignal::new(None::<Option<DossierStats>>);
    spawn_local(async move {
        match ipc::call::<LoadDossierStats>(&Empty {}).await {
            Ok(found) => stats.set(Some(found)),
            Err(err) => app.error.set(Some(err)),
        }
    });
    tile_frame(tile, move |lang, _| {
        view! {
            {move || stats.get().map(|found| match found {
                None => view! { <p class="hint" id="stats-none">{app.t(Key::StatsNone)}</p> }.into_any(),
                Some(stats) => stats_view(app.lang(), stats).into_any(),
            })}
            <p class="hint">{i18n::text(lang, Key::StatsExplain)}</p>
        }
        .into_any()
    })
}

fn stats_view(lang: Lang, stats: DossierStats) -> impl IntoView {
    let mut rows = stats.agencies;
    rows.sort_by(|a, b| {
        (a.level != "ward", percent(b), &a.agency).cmp(&(b.level != "ward", percent(a), &b.agency))
    });
    // A day in the user's language; the server's text as it is if it is no date.
    let day = |iso: &str| {
        cds_domain::time::parse(iso)
            .map_or_else(|| iso.to_owned(), |ms| i18n::format_date(lang, ms))
    };
    let period = i18n::fill(
        lang,
        Key::StatsPeriod,
        &[
            ("from", &day(&stats.from_date)),
            ("to", &day(&stats.to_date)),
        ],
    );
    // Labels and values are page text (they grow with the text size); only
    // the bars are drawn, each in its own small SVG stretched to the line.
    let bars = rows
        .iter()
        .map(|row| {
            let share = percent(row);
            view! {
                <div class="chart-row">
                    <span class="chart-label">{row.agency.clone()}</span>
                    <span class="chart-line">
                        <svg class="chart-svg" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                            <rect x="0" y="0" width="100" height="10" class="chart-track" />
                            <rect x="0" y="0" width=share height="10" class="chart-bar" />
                        </svg>
                        <span class="chart-value">{format!("{share}%")}</span>
                    </span>
                </div>
            }
        })
        .collect_view();
    let table = rows
        .iter()
        .map(|row| {
            view! {
                <tr data-agency=row.agency.clone()>
                    <th scope="row">{row.agency.clone()}</th>
                    <td>{i18n::text(lang, if row.level == "ward" { Key::ProceduresWard } else { Key::ProceduresProvince })}</td>
                    <td>{row.resolved}</td>
                    <td>{row.resolved_on_time}</td>
                    <td>{format!("{}%", percent(row))}</td>
                    <td>{row.pending}</td>
                    <td>{row.pending_overdue}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p id="stats-period">{period}</p>
        <figure class="chart">
            <div id="stats-chart" class="chart-rows" role="img" aria-label=i18n::text(lang, Key::StatsChartTitle)>
                {bars}
            </div>
            <figcaption class="hint">{i18n::text(lang, Key::StatsChartCaption)}</figcaption>
        </figure>
        <div class="table-scroll" tabindex="0" role="region" aria-labelledby="stats-table-caption">
            <table id="stats-table">
                <caption id="stats-table-caption">{i18n::text(lang, Key::StatsTableCaption)}</caption>
                <thead><tr>
                    <th scope="col">{i18n::text(lang, Key::StatsAgency)}</th>
                    <th scope="col">{i18n::text(lang, Key::StatsLevel)}</th>
                    <th scope="col">{i18n::text(lang, Key::StatsResolved)}</th>
                    <th scope="col">{i18n::text(lang, Key::StatsOnTime)}</th>
                    <th scope="col">{i18n::text(lang, Key::StatsShare)}</th>
                    <th scope="col">{i18n::text(lang, Key::StatsPending)}</th>
                    <th scope="col">{i18n::text(lang, Key::StatsOverdue)}</th>
                </tr></thead>
                <tbody>{table}</tbody>
            </table>
        </div>
    }
}

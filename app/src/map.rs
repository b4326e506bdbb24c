//! The offline map: the province's ward areas drawn as SVG from the stored
//! GeoJSON, the reports on it, and a pin placed by click or tap. Every action
//! here has a list-and-keyboard alternative beside it (ward list, coordinates).

use cds_domain::{Lang, geo::Area};
use cds_ipc::AreasView;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// SVG units across the map's width.
const WIDTH: f64 = 1000.0;

/// Projects lon/lat into the SVG's units (equirectangular at the province's
/// latitude, north up).
#[derive(Clone, Copy)]
struct Frame {
    min_lon: f64,
    max_lat: f64,
    scale_x: f64,
    scale_y: f64,
    height: f64,
}

impl Frame {
    fn of(areas: &AreasView) -> Frame {
        let [min, max] = areas.province.bounds();
        let k = ((min[1] + max[1]) / 2.0).to_radians().cos().max(0.1);
        let scale_x = WIDTH / (max[0] - min[0]).max(1e-9);
        let scale_y = scale_x / k;
        Frame {
            min_lon: min[0],
            max_lat: max[1],
            scale_x,
            scale_y,
            height: (max[1] - min[1]) * scale_y,
        }
    }

    fn xy(self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.min_lon) * self.scale_x,
            (self.max_lat - lat) * self.scale_y,
        )
    }

    fn lon_lat(self, x: f64, y: f64) -> (f64, f64) {
        (
            self.min_lon + x / self.scale_x,
            self.max_lat - y / self.scale_y,
        )
    }
}

fn path(frame: Frame, area: &Area) -> String {
    let mut d = String::new();
    for ring in area.polygons.iter().flatten() {
        for (i, p) in ring.iter().enumerate() {
            let (x, y) = frame.xy(p[0], p[1]);
            d.push_str(&format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" }));
        }
        d.push('Z');
    }
    d
}

/// The centre (lat, lon) of an area's first ring: where choosing a ward from
/// the list puts the pin.
pub fn centre(area: &Area) -> Option<(f64, f64)> {
    let ring = area.polygons.first()?.first()?;
    let n = ring.len().max(1) as f64;
    let (lon, lat) = ring
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
    Some((lat / n, lon / n))
}

#[component]
pub fn AreaMap(
    areas: AreasView,
    /// The pin, (lat, lon).
    pin: Option<(f64, f64)>,
    lang: Lang,
    /// Called with (lat, lon) where the map was clicked.
    on_pick: Callback<(f64, f64)>,
    /// Reports to mark: (lat, lon, label).
    #[prop(optional)]
    markers: Vec<(f64, f64, String)>,
) -> impl IntoView {
    let frame = Frame::of(&areas);
    let view_box = format!("0 0 {WIDTH} {:.0}", frame.height);
    let wards = areas
        .wards
        .iter()
        .map(|ward| {
            let name = ward.name.get(lang).to_owned();
            view! {
                <path class="ward" d=path(frame, ward) data-ward=ward.code.clone()>
                    <title>{name}</title>
                </path>
            }
        })
        .collect_view();
    let pin_view = pin.map(|(lat, lon)| {
        let (x, y) = frame.xy(lon, lat);
        view! { <circle id="map-pin" class="pin" cx=format!("{x:.1}") cy=format!("{y:.1}") r="12" /> }
    });
    let marker_views = markers
        .into_iter()
        .map(|(lat, lon, label)| {
            let (x, y) = frame.xy(lon, lat);
            view! {
                <circle class="marker" cx=format!("{x:.1}") cy=format!("{y:.1}") r="9">
                    <title>{label}</title>
                </circle>
            }
        })
        .collect_view();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(svg) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let rect = svg.get_bounding_client_rect();
        if rect.width() <= 0.0 || rect.height() <= 0.0 {
            return;
        }
        // The drawing keeps its proportions (xMidYMid meet): one scale, and
        // the margins of whichever side is letterboxed.
        let scale = (rect.width() / WIDTH).min(rect.height() / frame.height);
        let left = rect.left() + (rect.width() - WIDTH * scale) / 2.0;
        let top = rect.top() + (rect.height() - frame.height * scale) / 2.0;
        let x = (f64::from(ev.client_x()) - left) / scale;
        let y = (f64::from(ev.client_y()) - top) / scale;
        let (lon, lat) = frame.lon_lat(x, y);
        on_pick.run((lat, lon));
    };
    view! {
        <svg id="area-map" class="area-map" viewBox=view_box role="img"
            aria-label=crate::i18n::text(lang, crate::i18n::Key::MapLabel)
            on:click=on_click>
            <path class="province" d=path(frame, &areas.province) />
            {wards}
            {marker_views}
            {pin_view}
        </svg>
    }
}

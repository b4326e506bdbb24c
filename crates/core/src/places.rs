//! Places nearby on the device (content cache, pulled with ETags, offline
//! from the last sync): filtered by category, sorted by distance from my
//! position, a point on the map or a ward's centre, with "open now", a
//! `tel:` link and directions; and the province's articles of a field.

use cds_domain::{
    geo,
    places::{self, Near, Origin, PlacesQuery},
    report::{Field, Invalid, Rule},
};
use cds_provincial_api::{content::Article, places::Place};

use crate::{Core, Error, content, now_ms};

/// Places of `categories` (all when empty), nearest first from `from`, or
/// by name when there is no point.
pub fn near(
    list: Vec<Place>,
    categories: &[String],
    from: Option<geo::Point>,
    only_open: bool,
    now_ms: i64,
) -> Vec<Near<Place>> {
    let mut out: Vec<Near<Place>> = list
        .into_iter()
        .filter(|p| categories.is_empty() || categories.contains(&p.category))
        .map(|place| Near {
            distance_m: from.map(|at| geo::distance_m(at, [place.lon, place.lat])),
            open_now: place
                .opening_hours
                .as_deref()
                .and_then(|hours| places::open_now(hours, now_ms)),
            tel: place.phone.as_deref().and_then(places::tel_link),
            directions: places::directions_url(place.lat, place.lon),
            place,
        })
        .filter(|n| !only_open || n.open_now == Some(true))
        .collect();
    out.sort_by(|a, b| {
        a.distance_m
            .unwrap_or(0.0)
            .total_cmp(&b.distance_m.unwrap_or(0.0))
            .then_with(|| a.place.name.vi.cmp(&b.place.name.vi))
    });
    out
}

impl Core {
    /// The places the query asks for, as last pulled.
    pub async fn places(&self, query: PlacesQuery) -> Result<Vec<Near<Place>>, Error> {
        let out_of_range = Error::Invalid(Invalid {
            field: Field::Location,
            rule: Rule::OutOfRange,
        });
        let from = match &query.origin {
            Origin::None => None,
            Origin::Point { lat, lon } => {
                if !(lat.is_finite()
                    && lon.is_finite()
                    && (-90.0..=90.0).contains(lat)
                    && (-180.0..=180.0).contains(lon))
                {
                    return Err(out_of_range);
                }
                Some([*lon, *lat])
            }
            Origin::Ward { code } => {
                let areas = self.areas().await?;
                let ward = areas
                    .wards
                    .iter()
                    .find(|w| w.code == *code)
                    .ok_or(Error::Invalid(Invalid {
                        field: Field::Location,
                        rule: Rule::OutsideProvince,
                    }))?;
                Some(places::centre(ward).ok_or(out_of_range)?)
            }
        };
        let list: Vec<Place> = self
            .store
            .run(|conn| content::list(conn, content::Kind::Places))
            .await?;
        Ok(near(
            list,
            &query.categories,
            from,
            query.open_now,
            now_ms(),
        ))
    }

    /// The province's articles and guides of `field` (health, education, …).
    pub async fn field_articles(&self, field: String) -> Result<Vec<Article>, Error> {
        let (mut articles, guides): (Vec<Article>, Vec<Article>) = self
            .store
            .run(|conn| {
                Ok((
                    content::list(conn, content::Kind::Articles)?,
                    content::list(conn, content::Kind::Guides)?,
                ))
            })
            .await?;
        articles.extend(guides);
        articles.retain(|a| a.field.as_deref() == Some(field.as_str()));
        Ok(articles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(id: &str, category: &str, lat: f64, lon: f64, hours: Option<&str>) -> Place {
        Place {
            id: id.into(),
            category: category.into(),
            name: cds_domain::LocalizedText {
                vi: id.into(),
                en: id.into(),
            },
            address: String::new(),
            ward: "19753".into(),
            lat,
            lon,
            approximate: true,
            phone: Some("0234 3822 325".into()),
            opening_hours: hours.map(str::to_owned),
            updated_datetime: String::new(),
        }
    }

    #[test]
    fn nearest_first_in_the_categories_asked_for() {
        let list = vec![
            place("far", "hospital", 16.50, 107.60, Some("24/7")),
            place("near", "hospital", 16.46, 107.59, Some("Mo 00:00-00:01")),
            place("school", "school", 16.4601, 107.5901, None),
        ];
        let out = near(
            list.clone(),
            &["hospital".into()],
            Some([107.59, 16.46]),
            false,
            0,
        );
        let ids: Vec<_> = out.iter().map(|n| n.place.id.as_str()).collect();
        assert_eq!(ids, ["near", "far"]);
        assert!(out[0].distance_m.unwrap_or(1.0) < 1.0);
        assert_eq!(out[0].tel.as_deref(), Some("tel:02343822325"));
        let open = near(list.clone(), &[], None, true, 0);
        assert_eq!(open.len(), 1, "only the 24/7 one is open");
        assert_eq!(near(list, &[], None, false, 0).len(), 3);
    }
}

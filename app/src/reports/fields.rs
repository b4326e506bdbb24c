//! The sections of the report form's edit step: category, photos, location
//! (photo EXIF, a pin on the offline map, a ward list, typed coordinates),
//! description, the category's questions, and contact or anonymous.

use cds_domain::report::{
    Contact, Field, Invalid, LocationSource, MAX_DESCRIPTION_CHARS, MAX_PHOTOS,
};
use cds_ipc::{DetachPhoto, DetachPhotoRequest};
use leptos::{prelude::*, task::spawn_local};

use super::form::Form;
use crate::{
    i18n::{self, Key},
    ipc, map,
};

/// Largest file read from the picker (the engine's own limit is the same).
const MAX_PICKED_BYTES: f64 = 40.0 * 1024.0 * 1024.0;

fn field_error(form: Form, field: Field, id: &'static str) -> impl IntoView {
    move || {
        form.error_for(field).map(|text| {
            view! { <p class="field-error" id=id role="alert">{text}</p> }
        })
    }
}

#[component]
pub(super) fn CategoryPicker(form: Form) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let selected = move || {
        form.draft
            .with(|d| d.as_ref().and_then(|d| d.draft.service_code.clone()))
    };
    view! {
        <fieldset class="form-section" data-section="category">
            <legend>{form.t(Key::ReportCategory)}</legend>
            <label class="field">
                <span>{form.t(Key::ReportCategorySearch)}</span>
                <input id="category-search" type="search" prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev)) />
            </label>
            {move || form.categories.with(|c| c.is_empty()).then(|| view! {
                <p class="notice">{form.t(Key::ReportNoCategories)}</p>
            })}
            <ul class="choices" role="list">
                {move || {
                    let needle = query.get().to_lowercase();
                    form.categories.get().into_iter()
                        .filter(|c| needle.is_empty()
                            || c.service.service_name.to_lowercase().contains(&needle)
                            || c.service.keywords.to_lowercase().contains(&needle)
                            || c.service.description.to_lowercase().contains(&needle))
                        .map(|c| {
                            let code = c.service.service_code.clone();
                            let pressed = selected() == Some(code.clone());
                            let chosen = code.clone();
                            view! {
                                <li>
                                    <button class="choice-card" data-category=code.clone()
                                        aria-pressed=pressed.to_string()
                                        on:click=move |_| {
                                            let code = chosen.clone();
                                            form.change(move |d| {
                                                if d.service_code.as_deref() != Some(code.as_str()) {
                                                    d.attributes.clear();
                                                }
                                                d.service_code = Some(code);
                                            });
                                        }>
                                        <strong>{c.service.service_name.clone()}</strong>
                                        <span class="hint">{c.service.description.clone()}</span>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            {field_error(form, Field::ServiceCode, "category-error")}
        </fieldset>
    }
}

#[component]
pub(super) fn Photos(form: Form) -> impl IntoView {
    let photo_error = RwSignal::new(None::<String>);
    let on_files = move |ev: leptos::ev::Event| {
        let files = ipc::chosen_files(&ev);
        let Some(draft_id) = form
            .draft
            .with_untracked(|d| d.as_ref().map(|d| d.id.clone()))
        else {
            return;
        };
        form.photo_busy.set(true);
        photo_error.set(None);
        let lane = form.lane.get_value();
        spawn_local(async move {
            let mut problems = Vec::new();
            for file in files {
                let name = file.name();
                // Refused before it is read: a video or a huge file never crosses IPC.
                if file.size() > MAX_PICKED_BYTES {
                    let invalid = Invalid {
                        field: Field::Photos,
                        rule: cds_domain::report::Rule::TooLarge {
                            max: MAX_PICKED_BYTES as usize,
                        },
                    };
                    problems.push(format!(
                        "{name}: {}",
                        i18n::invalid_text(form.lang(), invalid)
                    ));
                    continue;
                }
                let Some(bytes) = ipc::file_bytes(&file).await else {
                    continue;
                };
                let draft_id = draft_id.clone();
                let outcome = std::rc::Rc::new(std::cell::RefCell::new(None));
                let slot = outcome.clone();
                lane.run(async move {
                    *slot.borrow_mut() = Some(ipc::add_photo(&draft_id, bytes).await);
                })
                .await;
                let outcome = outcome.borrow_mut().take();
                match outcome {
                    Some(Ok(added)) => {
                        // Only the photos (and a location where there was none)
                        // come from the answer: edits made meanwhile stay.
                        form.draft.update(|d| {
                            if let Some(d) = d {
                                d.photos = added.draft.photos.clone();
                                if d.draft.location.is_none() && added.used_exif_location {
                                    d.draft.location = added.draft.draft.location;
                                }
                            }
                        });
                        if added.exif_location.is_some() && !added.used_exif_location {
                            form.exif_offer.set(added.exif_location);
                        }
                        form.relocate();
                    }
                    Some(Err(err)) => {
                        let why = match err.invalid {
                            Some(invalid) => i18n::invalid_text(form.lang(), invalid),
                            None => i18n::text(form.lang(), i18n::error_key(err.code)).to_owned(),
                        };
                        problems.push(format!("{name}: {why}"));
                    }
                    None => {}
                }
            }
            if !problems.is_empty() {
                photo_error.set(Some(problems.join("\n")));
            }
            form.photo_busy.set(false);
        });
    };
    let photos = move || {
        form.draft
            .with(|d| d.as_ref().map(|d| d.photos.clone()).unwrap_or_default())
    };
    view! {
        <fieldset class="form-section" data-section="photos">
            <legend>{form.t(Key::ReportPhotos)}</legend>
            <p class="hint">{i18n::fill(form.lang(), Key::ReportPhotosHint, &[("max", &MAX_PHOTOS.to_string())])}</p>
            <label class="button file-button">
                {form.t(Key::ReportAddPhotos)}
                <input id="photo-input" class="visually-hidden" type="file" multiple
                    accept="image/jpeg,image/png,image/webp,image/heic,image/heif,image/avif" capture="environment"
                    prop:disabled={move || form.photo_busy.get() || photos().len() >= MAX_PHOTOS}
                    on:change=on_files />
            </label>
            {move || form.photo_busy.get().then(|| view! { <p role="status">{form.t(Key::ReportPhotoWorking)}</p> })}
            {move || photo_error.get().map(|text| view! { <p class="field-error" id="photo-error" role="alert">{text}</p> })}
            <ul class="photo-list">
                {move || photos().into_iter().enumerate().map(|(i, hash)| {
                    let label = i18n::fill(form.lang(), Key::ReportRemovePhoto, &[("n", &(i + 1).to_string())]);
                    view! {
                        <li class="photo-item" data-photo=hash.clone()>
                            <img src=ipc::photo_src(&format!("thumb/{hash}")) alt=i18n::fill(form.lang(), Key::ReportPhotoAlt, &[("n", &(i + 1).to_string())]) />
                            <button class="button button--small" aria-label=label.clone() on:click=move |_| {
                                let Some(draft_id) = form.draft.with_untracked(|d| d.as_ref().map(|d| d.id.clone())) else { return };
                                spawn_local(async move {
                                    let request = DetachPhotoRequest { draft_id, position: u32::try_from(i).unwrap_or(0) };
                                    match ipc::call::<DetachPhoto>(&request).await {
                                        Ok(saved) => form.draft.update(|d| if let Some(d) = d { d.photos = saved.photos; }),
                                        Err(err) => form.fail(err),
                                    }
                                });
                            }>{form.t(Key::ReportRemove)}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {field_error(form, Field::Photos, "photos-error")}
        </fieldset>
    }
}

#[component]
pub(super) fn LocationSection(form: Form) -> impl IntoView {
    let lat_text = RwSignal::new(String::new());
    let lon_text = RwSignal::new(String::new());
    let location = move || {
        form.draft
            .with(|d| d.as_ref().and_then(|d| d.draft.location))
    };
    let source_key = |source: LocationSource| match source {
        LocationSource::DeviceGps => Key::LocationSourceGps,
        LocationSource::PhotoExif => Key::LocationSourcePhoto,
        LocationSource::Pin => Key::LocationSourcePin,
        LocationSource::Address => Key::LocationSourceAddress,
    };
    view! {
        <fieldset class="form-section" data-section="location">
            <legend>{form.t(Key::ReportLocation)}</legend>
            <p class="hint">{form.t(Key::ReportNoGps)}</p>
            {move || match location() {
                None => view! { <p id="location-summary">{form.t(Key::ReportNoLocation)}</p> }.into_any(),
                Some(l) => {
                    let placement = form.placement.get();
                    let ward = placement.as_ref().and_then(|p| p.ward.as_ref()).map(|(_, name)| name.get(form.lang()).to_owned());
                    let outside = placement.as_ref().is_some_and(|p| !p.inside_province);
                    let approximate = placement.as_ref().is_some_and(|p| p.approximate);
                    let province = form.app.home.with(|h| h.as_ref().map(|h| h.catalogue.province.name.get(form.lang()).to_owned())).unwrap_or_default();
                    let ward_attr = ward.clone().unwrap_or_default();
                    let ward_text = ward.unwrap_or_else(|| form.t(Key::ReportNoWard).to_owned());
                    view! {
                        <div id="location-summary" data-ward=ward_attr>
                            <p>
                                <strong>{ward_text}</strong>
                                " · " {format!("{:.5}, {:.5}", l.lat, l.lon)} " · " {form.t(source_key(l.source))}
                                {l.accuracy_m.map(|a| format!(" · ±{a:.0} m"))}
                            </p>
                            {approximate.then(|| view! { <p class="hint">{form.t(Key::ReportApproximateAreas)}</p> })}
                            {outside.then(|| view! { <p class="field-error" role="alert">{i18n::fill(form.lang(), Key::ReportOutsideProvince, &[("province", &province)])}</p> })}
                        </div>
                    }.into_any()
                }
            }}
            {move || form.exif_offer.get().map(|offer| view! {
                <button id="use-photo-location" class="button" on:click=move |_| {
                    form.exif_offer.set(None);
                    form.set_location(offer.lat, offer.lon, LocationSource::PhotoExif);
                }>{form.t(Key::ReportUsePhotoLocation)}</button>
            })}
            {move || form.areas.get().map(|areas| {
                let pin = location().map(|l| (l.lat, l.lon));
                view! {
                    <map::AreaMap areas=areas.clone() pin lang=form.lang()
                        on_pick=Callback::new(move |(lat, lon): (f64, f64)| form.set_location(lat, lon, LocationSource::Pin)) />
                    <label class="field">
                        <span>{form.t(Key::ReportWardList)}</span>
                        <select id="ward-select" on:change=move |ev| {
                            let code = event_target_value(&ev);
                            if let Some((lat, lon)) = areas.wards.iter().find(|w| w.code == code).and_then(map::centre) {
                                form.set_location(lat, lon, LocationSource::Pin);
                            }
                        }>
                            <option value="">{form.t(Key::ReportChooseWard)}</option>
                            {areas.wards.iter().map(|w| view! { <option value=w.code.clone()>{w.name.get(form.lang()).to_owned()}</option> }).collect_view()}
                        </select>
                    </label>
                }
            })}
            <div class="coords">
                <label class="field"><span>{form.t(Key::ReportLatitude)}</span>
                    <input id="lat-input" inputmode="decimal" prop:value=move || lat_text.get() on:input=move |ev| lat_text.set(event_target_value(&ev)) /></label>
                <label class="field"><span>{form.t(Key::ReportLongitude)}</span>
                    <input id="lon-input" inputmode="decimal" prop:value=move || lon_text.get() on:input=move |ev| lon_text.set(event_target_value(&ev)) /></label>
                <button id="set-coords" class="button" on:click=move |_| {
                    let parse = |s: String| s.trim().replace(',', ".").parse::<f64>().ok().filter(|v| v.is_finite());
                    match (parse(lat_text.get_untracked()), parse(lon_text.get_untracked())) {
                        (Some(lat), Some(lon)) => form.set_location(lat, lon, LocationSource::Pin),
                        _ => form.invalid.set(Some(Invalid { field: Field::Location, rule: cds_domain::report::Rule::BadFormat })),
                    }
                }>{form.t(Key::ReportSetCoords)}</button>
            </div>
            {field_error(form, Field::Location, "location-error")}
            <label class="field">
                <span>{form.t(Key::ReportAddress)}</span>
                <input id="address" type="text" maxlength="500"
                    prop:value=move || form.draft.with(|d| d.as_ref().map(|d| d.draft.address.clone()).unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev); form.change(move |d| d.address = v); } />
            </label>
            {field_error(form, Field::Address, "address-error")}
        </fieldset>
    }
}

#[component]
pub(super) fn Description(form: Form) -> impl IntoView {
    let text = RwSignal::new(form.draft_now().description);
    Effect::new(move |_| {
        if let Some(d) = form.draft.get() {
            text.set(d.draft.description);
        }
    });
    view! {
        <fieldset class="form-section" data-section="description">
            <legend id="description-legend">{form.t(Key::ReportDescription)}</legend>
            <textarea id="description" rows="5" aria-labelledby="description-legend" maxlength=MAX_DESCRIPTION_CHARS.to_string()
                aria-describedby="description-count"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:change=move |ev| { let v = event_target_value(&ev); form.change(move |d| d.description = v); }></textarea>
            <p id="description-count" class="hint counter">
                {move || format!("{}/{}", text.with(|t| t.chars().count()), MAX_DESCRIPTION_CHARS)}
            </p>
            {field_error(form, Field::Description, "description-error")}
        </fieldset>
    }
}

#[component]
pub(super) fn Questions(form: Form) -> impl IntoView {
    move || {
        let code = form
            .draft
            .with(|d| d.as_ref().and_then(|d| d.draft.service_code.clone()))?;
        let category = form
            .categories
            .with(|c| c.iter().find(|c| c.service.service_code == code).cloned())?;
        let questions: Vec<_> = category
            .attributes
            .into_iter()
            .filter(|a| a.variable)
            .collect();
        if questions.is_empty() {
            return None;
        }
        let current = form.draft_now().attributes;
        Some(view! {
            <fieldset class="form-section" data-section="questions">
                <legend>{form.t(Key::ReportQuestions)}</legend>
                {questions.into_iter().map(|q| {
                    let code = q.code.clone();
                    let value = current.get(&code).cloned().unwrap_or_default();
                    let label = if q.required { format!("{} *", q.description) } else { q.description.clone() };
                    let save = move |v: String| {
                        let code = code.clone();
                        form.change(move |d| {
                            if v.trim().is_empty() { d.attributes.remove(&code); } else { d.attributes.insert(code, v); }
                        });
                    };
                    let id = format!("attr-{}", q.code);
                    let input = match q.datatype {
                        cds_ipc::Datatype::Singlevaluelist | cds_ipc::Datatype::Multivaluelist => view! {
                            <select id=id.clone() on:change=move |ev| save(event_target_value(&ev))>
                                <option value="">{form.t(Key::ReportChoose)}</option>
                                {q.values.iter().map(|v| view! { <option value=v.key.clone() selected=v.key == value>{v.name.clone()}</option> }).collect_view()}
                            </select>
                        }.into_any(),
                        cds_ipc::Datatype::Number => view! {
                            <input id=id.clone() type="number" inputmode="decimal" prop:value=value.clone() on:change=move |ev| save(event_target_value(&ev)) />
                        }.into_any(),
                        cds_ipc::Datatype::Datetime => view! {
                            <input id=id.clone() type="datetime-local" prop:value=value.clone() on:change=move |ev| save(event_target_value(&ev)) />
                        }.into_any(),
                        _ => view! {
                            <input id=id.clone() type="text" prop:value=value.clone() on:change=move |ev| save(event_target_value(&ev)) />
                        }.into_any(),
                    };
                    view! { <label class="field" for=id><span>{label}</span>{input}</label> }
                }).collect_view()}
                {field_error(form, Field::Attributes, "questions-error")}
            </fieldset>
        })
    }
}

#[component]
pub(super) fn ContactSection(form: Form) -> impl IntoView {
    let contact = move || {
        form.draft.with(|d| {
            d.as_ref()
                .map(|d| d.draft.contact.clone())
                .unwrap_or_default()
        })
    };
    let named = move || matches!(contact(), Contact::Named { .. });
    let part = move |pick: fn(&Contact) -> String| move || pick(&contact());
    let set = move |which: u8, value: String| {
        form.change(move |d| {
            if let Contact::Named { name, phone, email } = &mut d.contact {
                match which {
                    0 => *name = value,
                    1 => *phone = value,
                    _ => *email = value,
                }
            }
        });
    };
    view! {
        <fieldset class="form-section" data-section="contact">
            <legend>{form.t(Key::ReportContact)}</legend>
            <label class="choice">
                <input type="radio" name="contact" id="contact-anonymous" prop:checked=move || !named()
                    on:change=move |_| form.change(|d| d.contact = Contact::Anonymous) />
                {form.t(Key::ReportAnonymous)}
            </label>
            <label class="choice">
                <input type="radio" name="contact" id="contact-named" prop:checked=named
                    on:change=move |_| form.change(|d| d.contact = Contact::Named { name: String::new(), phone: String::new(), email: String::new() }) />
                {form.t(Key::ReportNamed)}
            </label>
            <p class="hint">{move || if named() { form.t(Key::ReportNamedHint) } else { form.t(Key::ReportAnonymousHint) }}</p>
            {move || named().then(|| view! {
                <label class="field"><span>{form.t(Key::ReportName)}</span>
                    <input id="contact-name" type="text" autocomplete="name" prop:value=part(|c| match c { Contact::Named { name, .. } => name.clone(), Contact::Anonymous => String::new() }) on:change=move |ev| set(0, event_target_value(&ev)) /></label>
                {field_error(form, Field::ContactName, "name-error")}
                <label class="field"><span>{form.t(Key::ReportPhone)}</span>
                    <input id="contact-phone" type="tel" autocomplete="tel" prop:value=part(|c| match c { Contact::Named { phone, .. } => phone.clone(), Contact::Anonymous => String::new() }) on:change=move |ev| set(1, event_target_value(&ev)) /></label>
                {field_error(form, Field::ContactPhone, "phone-error")}
                <label class="field"><span>{form.t(Key::ReportEmail)}</span>
                    <input id="contact-email" type="email" autocomplete="email" prop:value=part(|c| match c { Contact::Named { email, .. } => email.clone(), Contact::Anonymous => String::new() }) on:change=move |ev| set(2, event_target_value(&ev)) /></label>
                {field_error(form, Field::ContactEmail, "email-error")}
            })}
        </fieldset>
    }
}

//! Open311's XML: a small writer that escapes every text value (and drops
//! what XML 1.0 cannot carry), and the spec's element shapes for the wire types.
//!
//! Element names come from this file only, never from a client; every value
//! goes through [`escape`], so hostile report text stays text.

use cds_provincial_api::{
    ApiError,
    open311::{
        AttributeAnswer, Created, Datatype, Discovery, Service, ServiceDefinition, ServiceRequest,
        Status, TokenAnswer, Update,
    },
};

/// The content type of every XML answer, as the spec writes it.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// A document being written: the declaration, then elements.
pub struct Xml {
    out: String,
    open: Vec<&'static str>,
}

impl Default for Xml {
    fn default() -> Xml {
        Xml::new()
    }
}

impl Xml {
    pub fn new() -> Xml {
        Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"),
            open: Vec::new(),
        }
    }

    /// Opens `<name>`; [`Xml::close`] closes the innermost open element.
    pub fn open(&mut self, name: &'static str) -> &mut Xml {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.open.push(name);
        self
    }

    pub fn close(&mut self) -> &mut Xml {
        if let Some(name) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
        self
    }

    /// `<name>text</name>`, the text escaped.
    pub fn text(&mut self, name: &'static str, text: &str) -> &mut Xml {
        self.open(name);
        escape(&mut self.out, text);
        self.close()
    }

    /// [`Xml::text`] when there is a value; nothing at all when there is none.
    pub fn optional(&mut self, name: &'static str, text: Option<&str>) -> &mut Xml {
        if let Some(text) = text {
            self.text(name, text);
        }
        self
    }

    /// The document, every element closed.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out.push('\n');
        self.out
    }
}

/// Whether XML 1.0 can carry `c` at all (its `Char` production).
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Appends `text` escaped for element content or an attribute value: the five
/// markup characters as entities, a carriage return as a character reference
/// (so that parsers keep it), and characters XML 1.0 cannot carry dropped.
pub fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
}

/// A wire type written as one element of the spec's XML.
pub trait ToXml {
    fn write(&self, xml: &mut Xml);
}

/// A list answer: the spec's root element around one element per item
/// (`<services><service>…`, `<service_requests><request>…`); JSON is the bare list.
pub struct List<T> {
    pub root: &'static str,
    pub items: Vec<T>,
}

impl<T: serde::Serialize> serde::Serialize for List<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(serializer)
    }
}

impl<T: ToXml> ToXml for List<T> {
    fn write(&self, xml: &mut Xml) {
        xml.open(self.root);
        for item in &self.items {
            item.write(xml);
        }
        xml.close();
    }
}

fn boolean(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

fn status(status: Status) -> &'static str {
    match status {
        Status::Open => "open",
        Status::Closed => "closed",
    }
}

fn datatype(datatype: Datatype) -> &'static str {
    match datatype {
        Datatype::String => "string",
        Datatype::Number => "number",
        Datatype::Datetime => "datetime",
        Datatype::Text => "text",
        Datatype::Singlevaluelist => "singlevaluelist",
        Datatype::Multivaluelist => "multivaluelist",
    }
}

impl ToXml for Service {
    fn write(&self, xml: &mut Xml) {
        xml.open("service")
            .text("service_code", &self.service_code)
            .text("service_name", &self.service_name)
            .text("description", &self.description)
            .text("metadata", boolean(self.metadata))
            .text("type", &self.kind)
            .text("keywords", &self.keywords)
            .text("group", &self.group)
            .close();
    }
}

impl ToXml for ServiceDefinition {
    fn write(&self, xml: &mut Xml) {
        xml.open("service_definition")
            .text("service_code", &self.service_code)
            .open("attributes");
        for attribute in &self.attributes {
            xml.open("attribute")
                .text("variable", boolean(attribute.variable))
                .text("code", &attribute.code)
                .text("datatype", datatype(attribute.datatype))
                .text("required", boolean(attribute.required))
                .text("datatype_description", &attribute.datatype_description)
                .text("order", &attribute.order.to_string())
                .text("description", &attribute.description);
            if !attribute.values.is_empty() {
                xml.open("values");
                for value in &attribute.values {
                    xml.open("value")
                        .text("key", &value.key)
                        .text("name", &value.name)
                        .close();
                }
                xml.close();
            }
            xml.close();
        }
        xml.close().close();
    }
}

impl ToXml for Update {
    fn write(&self, xml: &mut Xml) {
        xml.open("update")
            .text("updated_datetime", &self.updated_datetime)
            .text("detailed_status", self.detailed_status.as_str())
            .text("status", status(self.status))
            .text("note", &self.note)
            .text("agency_responsible", &self.agency_responsible)
            .optional("media_url", self.media_url.as_deref())
            .optional("expected_datetime", self.expected_datetime.as_deref())
            .text("by", &self.by)
            .close();
    }
}

impl ToXml for ServiceRequest {
    fn write(&self, xml: &mut Xml) {
        // The spec's fields in the spec's order, then our extensions.
        xml.open("request")
            .text("service_request_id", &self.service_request_id)
            .text("status", status(self.status))
            .optional("status_notes", self.status_notes.as_deref())
            .text("service_name", &self.service_name)
            .text("service_code", &self.service_code)
            .text("description", &self.description)
            .optional("agency_responsible", self.agency_responsible.as_deref())
            .optional("service_notice", self.service_notice.as_deref())
            .text("requested_datetime", &self.requested_datetime)
            .text("updated_datetime", &self.updated_datetime)
            .optional("expected_datetime", self.expected_datetime.as_deref())
            .text("address", &self.address)
            .optional("address_id", self.address_id.as_deref())
            .optional("lat", self.lat.map(|v| v.to_string()).as_deref())
            .optional("long", self.long.map(|v| v.to_string()).as_deref())
            .optional("media_url", self.media_url.as_deref())
            .text("detailed_status", self.detailed_status.as_str());
        if !self.media_urls.is_empty() {
            xml.open("media_urls");
            for url in &self.media_urls {
                xml.text("media_url", url);
            }
            xml.close();
        }
        xml.optional("rating", self.rating.map(|r| r.to_string()).as_deref());
        if let Some(attributes) = &self.attributes {
            xml.open("attributes");
            for (code, answer) in attributes {
                xml.open("attribute").text("code", code);
                match answer {
                    AttributeAnswer::One(value) => {
                        xml.text("value", value);
                    }
                    AttributeAnswer::Many(values) => {
                        xml.open("values");
                        for value in values {
                            xml.text("value", value);
                        }
                        xml.close();
                    }
                }
                xml.close();
            }
            xml.close();
        }
        if let Some(updates) = &self.updates {
            xml.open("updates");
            for update in updates {
                update.write(xml);
            }
            xml.close();
        }
        xml.close();
    }
}

impl ToXml for Created {
    fn write(&self, xml: &mut Xml) {
        xml.open("request")
            .optional("service_request_id", self.service_request_id.as_deref())
            .optional("token", self.token.as_deref())
            .optional("service_notice", self.service_notice.as_deref())
            .optional("account_id", self.account_id.as_deref())
            .close();
    }
}

impl ToXml for TokenAnswer {
    fn write(&self, xml: &mut Xml) {
        xml.open("request")
            .optional("service_request_id", self.service_request_id.as_deref())
            .text("token", &self.token)
            .close();
    }
}

impl ToXml for Discovery {
    fn write(&self, xml: &mut Xml) {
        xml.open("discovery")
            .text("changeset", &self.changeset)
            .text("contact", &self.contact)
            .text("key_service", &self.key_service)
            .open("endpoints");
        for endpoint in &self.endpoints {
            xml.open("endpoint")
                .text("specification", &endpoint.specification)
                .text("url", &endpoint.url)
                .text("changeset", &endpoint.changeset)
                .text("type", &endpoint.kind)
                .open("formats");
            for format in &endpoint.formats {
                xml.text("format", format);
            }
            xml.close().close();
        }
        xml.close();
        if self.idempotency_keys {
            xml.text("idempotency_keys", "true");
        }
        xml.close();
    }
}

impl ToXml for ApiError {
    fn write(&self, xml: &mut Xml) {
        xml.open("error")
            .text("code", &self.code.to_string())
            .text("description", &self.description);
        if let Some(seconds) = self.retry_after_seconds {
            xml.text("retry_after_seconds", &seconds.to_string());
        }
        xml.close();
    }
}

/// A whole document for `value`.
pub fn document(value: &impl ToXml) -> String {
    let mut xml = Xml::new();
    value.write(&mut xml);
    xml.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_carry() {
        let mut out = String::new();
        escape(
            &mut out,
            "<script>alert('x') & \"y\"</script>\u{0}\u{1b}\u{FFFE}\r\nổ gà 🕳",
        );
        assert_eq!(
            out,
            "&lt;script&gt;alert(&apos;x&apos;) &amp; &quot;y&quot;&lt;/script&gt;&#13;\nổ gà 🕳"
        );
    }

    #[test]
    fn writes_the_specs_shapes() {
        let errors = List {
            root: "errors",
            items: vec![ApiError {
                code: 404,
                description: "service_code not found: <x>".into(),
                retry_after_seconds: None,
            }],
        };
        assert_eq!(
            document(&errors),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<errors><error><code>404</code><description>service_code not found: &lt;x&gt;</description></error></errors>\n"
        );
        let created = List {
            root: "service_requests",
            items: vec![Created {
                service_request_id: Some("7".into()),
                token: None,
                service_notice: None,
                account_id: None,
            }],
        };
        assert!(document(&created).ends_with(
            "<service_requests><request><service_request_id>7</service_request_id></request></service_requests>\n"
        ));
    }
}

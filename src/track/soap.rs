//! The little SOAP that the Debian BTS speaks (SOAP::Lite, rpc/encoded): building a call, and
//! reading an answer into a tree of elements by their local names. Namespaces differ between
//! methods (`Debbugs/SOAP` and `Debbugs/SOAP/`), fields come in any order, and a single value
//! may be typed differently from a list, so the tree is read by name, not by schema.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// One element: its local name, whether it is `xsi:nil`, its text and its children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub nil: bool,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the child `name`, or "" when it is absent or empty.
    pub fn text_of(&self, name: &str) -> &str {
        self.child(name).map_or("", |c| c.text.as_str())
    }

    /// A field that is a list: the texts of its `item` children, or, when it is a plain value,
    /// its text split on white space (the BTS sends `mergedwith` as `"1 2"`, or one `xsd:int`).
    pub fn list_of(&self, name: &str) -> Vec<String> {
        let Some(c) = self.child(name) else {
            return Vec::new();
        };
        if c.children.is_empty() {
            c.text.split_whitespace().map(ToOwned::to_owned).collect()
        } else {
            c.children
                .iter()
                .filter(|i| !i.nil)
                .map(|i| i.text.clone())
                .filter(|t| !t.is_empty())
                .collect()
        }
    }

    /// Depth-first search for the first element called `name`, this one included.
    pub fn find(&self, name: &str) -> Option<&Element> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }
}

/// Why an answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SoapError {
    #[error("the answer is not well-formed XML at byte {position}: {message}")]
    Malformed { position: u64, message: String },
    #[error("the server answered with a SOAP fault: {code}: {message}")]
    Fault { code: String, message: String },
    #[error("the answer has no {0} element")]
    Missing(String),
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    name.rsplit(':').next().unwrap_or(&name).to_owned()
}

/// Parses a whole document into its root element.
pub fn parse(xml: &[u8]) -> Result<Element, SoapError> {
    let mut reader = Reader::from_reader(xml);
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut buf = Vec::new();
    let malformed = |reader: &Reader<&[u8]>, message: String| SoapError::Malformed {
        position: reader.buffer_position(),
        message,
    };
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| malformed(&reader, e.to_string()))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let nil = e
                    .attributes()
                    .flatten()
                    .any(|a| local(a.key.as_ref()) == "nil" && matches!(&*a.value, b"true" | b"1"));
                let el = Element {
                    name: local(e.name().as_ref()),
                    nil,
                    ..Element::default()
                };
                if matches!(event, Event::Empty(_)) {
                    stack.last_mut().expect("the root").children.push(el);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().expect("quick-xml checks that tags match");
                let parent = stack
                    .last_mut()
                    .ok_or_else(|| malformed(&reader, "an end tag without a start".into()))?;
                parent.children.push(el);
            }
            Event::Text(t) => {
                // Entities arrive as their own events, so the text holds none.
                let text = t.decode().map_err(|e| malformed(&reader, e.to_string()))?;
                stack.last_mut().expect("the root").text.push_str(&text);
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| malformed(&reader, e.to_string()))?;
                let ch = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_xml_entity(&name)
                        .ok_or_else(|| malformed(&reader, format!("unknown entity &{name};")))?
                        .to_owned(),
                };
                stack.last_mut().expect("the root").text.push_str(&ch);
            }
            Event::CData(t) => {
                let text = String::from_utf8_lossy(&t).into_owned();
                stack.last_mut().expect("the root").text.push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if stack.len() != 1 {
        return Err(malformed(
            &reader,
            "the document ends inside an element".into(),
        ));
    }
    let mut root = stack.pop().expect("checked");
    match root.children.len() {
        1 => Ok(root.children.pop().expect("checked")),
        0 => Err(malformed(&reader, "the document is empty".into())),
        _ => Err(malformed(&reader, "more than one root element".into())),
    }
}

/// The value of a `<method>Response`: its first child. A `Fault` is an error.
pub fn response_value(xml: &[u8], method: &str) -> Result<Element, SoapError> {
    let root = parse(xml)?;
    if let Some(f) = root.find("Fault") {
        return Err(SoapError::Fault {
            code: f.text_of("faultcode").to_owned(),
            message: f.text_of("faultstring").to_owned(),
        });
    }
    let wrapper = format!("{method}Response");
    let response = root
        .find(&wrapper)
        .ok_or_else(|| SoapError::Missing(wrapper.clone()))?;
    Ok(response.children.first().cloned().unwrap_or_default())
}

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// An argument of a call.
pub enum Arg<'a> {
    Str(&'a str),
    Ints(&'a [u64]),
}

/// The body of a call to `method` with positional `args`.
pub fn call(method: &str, args: &[Arg]) -> String {
    let mut body = String::new();
    for (i, a) in args.iter().enumerate() {
        match a {
            Arg::Str(s) => body.push_str(&format!(
                "<arg{i} xsi:type=\"xsd:string\">{}</arg{i}>",
                escape(s)
            )),
            Arg::Ints(list) => {
                body.push_str(&format!(
                    "<arg{i} soapenc:arrayType=\"xsd:int[{}]\" xsi:type=\"soapenc:Array\">",
                    list.len()
                ));
                for n in *list {
                    body.push_str(&format!("<item xsi:type=\"xsd:int\">{n}</item>"));
                }
                body.push_str(&format!("</arg{i}>"));
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" \
xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\" \
xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
soap:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">\
<soap:Body><{method} xmlns=\"Debbugs/SOAP/V1\">{body}</{method}></soap:Body></soap:Envelope>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_well_formed() {
        let xml = call("get_status", &[Arg::Ints(&[1, 2])]);
        let root = parse(xml.as_bytes()).unwrap();
        let m = root.find("get_status").unwrap();
        assert_eq!(m.list_of("arg0"), ["1", "2"]);
        let xml = call("get_usertag", &[Arg::Str("a&b@x"), Arg::Str("pu")]);
        let root = parse(xml.as_bytes()).unwrap();
        assert_eq!(root.find("get_usertag").unwrap().text_of("arg0"), "a&b@x");
    }

    #[test]
    fn faults_and_garbage() {
        let fault = b"<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"x\"><soap:Body><soap:Fault>\
<faultcode>soap:Server</faultcode><faultstring>Bad method</faultstring></soap:Fault></soap:Body></soap:Envelope>";
        assert_eq!(
            response_value(fault, "get_status").unwrap_err(),
            SoapError::Fault {
                code: "soap:Server".into(),
                message: "Bad method".into()
            }
        );
        assert!(matches!(
            response_value(b"<a><b></a>", "get_status"),
            Err(SoapError::Malformed { .. })
        ));
        assert!(matches!(
            response_value(b"<html>502 Bad Gateway</html>", "get_status"),
            Err(SoapError::Missing(_))
        ));
        assert!(matches!(
            response_value(b"<a><b>", "get_status"),
            Err(SoapError::Malformed { .. })
        ));
    }
}

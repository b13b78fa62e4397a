//! Grafana Faro wire format (what Alloy's `faro.receiver` decodes).
//! Work in progress: being written to the receiver's payload types.

#[allow(unused_imports)]
use crate::prelude::*;

use super::attrs::Attrs;
use super::batch::Item;
use super::event::Event;
use super::meta::Meta;
use super::wire::{Channel, Ctx};

pub const CHANNELS: &[Channel] = &[Channel {
    path: "",
    content_type: None,
    sections: &[("\"measurements\":[", "]"), ("\"exceptions\":[", "]"), ("\"events\":[", "]"), ("\"logs\":[", "]")],
}];

pub fn encode_event(_ev: &Event, _ctx: &mut Ctx) -> Vec<Item> {
    Vec::new()
}

pub fn envelope(_meta: &Meta, _sent: f64, _dropped: &Attrs) -> (String, String) {
    ("{".into(), "}".into())
}

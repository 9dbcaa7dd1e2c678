//! Django `session_data` rows (`SessionRowCodec`), modern and legacy, for every Django version.
//!
//! Layout: `[compat] [mode] data…`. compat: 5.2, 4.2, 3.2, 2.2 (modulo 4). mode (modulo 3):
//! 0 the data is the row; 1 the row is re-signed in the modern form; 2 the data is JSON bytes
//! made into a legacy row with a valid MAC.
//!
//! Checked: a legacy row with a valid MAC loads exactly where Django reads legacy rows, to what
//! Django's JSON loader gives; whatever loads encodes and loads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::codec::Codec;
use signed_cookie::json::Limits;
use signed_cookie::profile::Dialect;
use signed_cookie_fuzz::{entries, label, legacy_row, resign, same, text, Cursor, Entry};
use std::time::SystemTime;

fn rows() -> Vec<&'static Entry> {
    entries()
        .iter()
        .filter(|e| matches!(e.codec, Codec::SessionRow(_)))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let rows = rows();
    let e = rows[usize::from(input.u8()) % rows.len()];
    let Codec::SessionRow(codec) = &e.codec else {
        unreachable!()
    };
    let mode = input.u8() % 3;
    let rest = input.rest();
    let row = match mode {
        0 => text(rest).into_owned(),
        1 => resign(e.signer.signer(), &text(rest)),
        _ => {
            let Some(signer) = &e.legacy_rows else {
                // This version writes and reads no legacy rows: they must be refused.
                let legacy = e.entry_legacy_signer();
                let row = legacy_row(&legacy, rest);
                assert!(codec.decode(&row).is_err(), "{}", label(e));
                return;
            };
            legacy_row(signer, rest)
        }
    };
    let decoded = codec.decode(&row);
    if mode == 2 {
        let expected = Dialect::Django
            .implementation()
            .load(rest, &Limits::default());
        match (&decoded, &expected) {
            (Ok(d), Ok(x)) => assert!(same(&d.value, x), "{}", label(e)),
            (Err(_), Err(_)) => {}
            _ => panic!("{}: {decoded:?} vs {expected:?}", label(e)),
        }
    }
    if let Ok(loaded) = decoded {
        let again = codec
            .encode(&loaded.value, SystemTime::now())
            .unwrap_or_else(|err| panic!("{}: loaded but does not encode: {err}", label(e)));
        let back = codec.decode(&again).expect("encoded row decodes");
        assert!(same(&back.value, &loaded.value), "{}", label(e));
    }
});

trait LegacySigner {
    fn entry_legacy_signer(&self) -> signed_cookie::Signer;
}

impl LegacySigner for Entry {
    /// The legacy MAC for the harness keys, for versions that do not read legacy rows.
    fn entry_legacy_signer(&self) -> signed_cookie::Signer {
        signed_cookie::Signer::builder(signed_cookie_fuzz::keys_for(&self.profile))
            .salt("django.contrib.sessionsSessionStore")
            .key_derivation(signed_cookie::KeyDerivation::Concat)
            .digest(signed_cookie::Digest::Sha1)
            .build()
            .expect("legacy signer")
    }
}

//! This device's own data: "delete my data from this device" (named first,
//! then erased), the provincial API address, and starting the app again.

use serde::{Deserialize, Serialize};

use crate::{Command, Empty};
use cds_domain::device::{ApiAddress, ErasePreview};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[
    LoadDevice::NAME,
    EraseDeviceData::NAME,
    SetApiAddress::NAME,
    RestartApp::NAME,
];

/// What the settings page shows of the device's data and address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceScreen {
    pub erase: ErasePreview,
    pub address: ApiAddress,
}
command!(
    /// What erasing would take (drafts and unsent reports named) and the
    /// provincial API address.
    LoadDevice, "load_device", Empty, DeviceScreen
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EraseDeviceDataRequest {
    /// The preview the resident confirmed; if anything changed since,
    /// nothing is erased (`NotNow`).
    pub seen: ErasePreview,
}
command!(
    /// Erases everything of the resident's on this device (the province's
    /// content and the configuration stay) and returns the screen after.
    EraseDeviceData, "erase_device_data", EraseDeviceDataRequest, DeviceScreen
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetApiAddressRequest {
    /// `None` or blank: the default address.
    pub address: Option<String>,
}
command!(
    /// Chooses the provincial API address once a provincial API answers
    /// there; used from the next start. Refused (`NotNow`) while reports
    /// wait to be sent, or when the environment sets the address.
    SetApiAddress, "set_api_address", SetApiAddressRequest, ApiAddress
);

command!(
    /// Starts the app again (to use a new API address).
    RestartApp, "restart_app", Empty, Empty
);

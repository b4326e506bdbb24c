//! `cds-gateway`: command line of the reference provincial API server.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use cds_gateway::DEFAULT_LISTEN;

const USAGE: &str = "usage: cds-gateway [--listen ADDR:PORT] [--data DIR] [--database URL]
                   [--media s3://BUCKET/PREFIX] [--public-url URL]
                   [--trusted-proxy IP]... [--ignore-idempotency-keys]
       cds-gateway migrate [--data DIR] [--database URL]
       cds-gateway create-api-key NAME [--data DIR]
       cds-gateway create-staff NAME [--login LOGIN (--admin | --agency AGENCY)] [--data DIR]
       cds-gateway create-team-code TEAM WARD DAYS [--data DIR]
       cds-gateway seed-dossiers COUNT [--data DIR]
       cds-gateway openapi

Serves the provincial API from DIR (created and seeded with the demo province,
Huế, when empty). --database postgres://USER:PASSWORD@HOST:PORT/NAME (or
CDS_GATEWAY_DATABASE) keeps the records in PostgreSQL instead of SQLite in
DIR; any number of gateways may share one. --media s3://BUCKET/PREFIX (or
CDS_GATEWAY_MEDIA) keeps photos in an S3-compatible store instead of
DIR/media, with the usual AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_REGION, AWS_ENDPOINT (and AWS_ALLOW_HTTP=true for http) variables.
--trusted-proxy IP (repeatable): a load balancer whose X-Forwarded-For names
the client, for the limits per client address. migrate brings the database to
this version's schema and exits (every start does it too). Listens on 127.0.0.1:8787 unless told otherwise; prints
'listening on http://ADDR' once it accepts connections.
--ignore-idempotency-keys (or CDS_GATEWAY_IGNORE_IDEMPOTENCY_KEYS=1) makes it
behave as an Open311 server that does not know Idempotency-Key, to test
clients: every POST is a new request.
create-api-key and create-staff print a new secret once; only its hash is kept.
With --login, create-staff also makes a staff console account (/staff): an
administrator (--admin) or an agency's staff (--agency); its password (at
least 12 characters) is read from CDS_STAFF_PASSWORD, else from the first
line of standard input, and kept only as an Argon2id hash.
create-team-code prints a member code for a community digital team (made if
new, with WARD its home ward), valid for DAYS days, then its team id, name and
expiry, separated by tabs.";

fn main() -> ExitCode {
    cds_gateway::ops::init_logging();
    let mut args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(command) = args.command.take() {
        let location = cds_gateway::db::Location::new(&args.data, args.database.as_deref());
        return match run_command(command, &location, args.media.as_deref(), &args.data) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("cds-gateway: {message}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cds-gateway: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    let options = cds_gateway::ServeOptions {
        database: args.database.clone(),
        media: args.media.clone(),
        public_url: args.public_url.clone(),
        ignore_idempotency_keys: args.ignore_idempotency_keys,
        trusted_proxies: args.trusted_proxies.clone(),
    };
    let result = runtime.block_on(cds_gateway::serve_configured(
        args.listen,
        &args.data,
        options,
        |addr| {
            #[allow(clippy::print_stdout)]
            {
                println!("listening on http://{addr}");
            }
        },
        shutdown_signal(),
    ));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cds-gateway: {err}");
            ExitCode::FAILURE
        }
    }
}

/// A console account to make with a staff member.
struct Account {
    login: String,
    /// None: an administrator.
    agency: Option<String>,
    password: String,
}

enum Subcommand {
    CreateApiKey(String),
    CreateStaff(String, Option<Account>),
    /// Team name, ward code, days the code is valid.
    CreateTeamCode(String, String, u32),
    SeedDossiers(usize),
    Migrate,
    OpenApi,
    DeriveAreas,
}

struct Args {
    command: Option<Subcommand>,
    listen: SocketAddr,
    data: PathBuf,
    /// A PostgreSQL address; none: SQLite in `data`.
    database: Option<String>,
    /// An object store for photos; none: `data/media`.
    media: Option<String>,
    public_url: Option<String>,
    ignore_idempotency_keys: bool,
    /// Load balancers whose `X-Forwarded-For` names the client.
    trusted_proxies: Vec<std::net::IpAddr>,
}

/// The environment's PostgreSQL address, if `--database` does not give one.
const DATABASE_ENV: &str = "CDS_GATEWAY_DATABASE";
/// The environment's photo store, if `--media` does not give one.
const MEDIA_ENV: &str = "CDS_GATEWAY_MEDIA";

/// The environment's word for "ignore idempotency keys", if it says one.
const IGNORE_KEYS_ENV: &str = "CDS_GATEWAY_IGNORE_IDEMPOTENCY_KEYS";

#[allow(clippy::print_stdout)]
fn run_command(
    command: Subcommand,
    location: &cds_gateway::db::Location,
    media: Option<&str>,
    data: &std::path::Path,
) -> Result<(), String> {
    use cds_gateway::{auth, seed, time};
    if let Subcommand::OpenApi = command {
        print!("{}", cds_gateway::openapi_json());
        return Ok(());
    }
    if let Subcommand::DeriveAreas = command {
        let areas = cds_gateway::areas::derive_from_csv(cds_gateway::areas::WARD_CENTRES_CSV)?;
        println!("{}", areas.to_geojson());
        return Ok(());
    }
    if let Subcommand::Migrate = command {
        let db = cds_gateway::Db::open(location).map_err(|err| err.to_string())?;
        println!("{}: schema up to date", db.place());
        return Ok(());
    }
    let media =
        cds_gateway::media_store::MediaStore::open(media, data).map_err(|err| err.to_string())?;
    let db = seed::open(location, &media).map_err(|err| err.to_string())?;
    let runtime = tokio::runtime::Runtime::new().map_err(|err| err.to_string())?;
    let line = runtime
        .block_on(db.call_with(move |conn| {
            let fail = |err: String| {
                cds_gateway::ApiFailure::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, err)
            };
            match command {
                Subcommand::CreateApiKey(name) => {
                    let key = auth::new_secret().map_err(fail)?;
                    auth::register_api_key(conn, &name, &key).map_err(|e| fail(e.to_string()))?;
                    Ok(key)
                }
                Subcommand::CreateStaff(name, None) => {
                    let token = auth::new_secret().map_err(fail)?;
                    auth::register_staff(conn, &name, &token).map_err(|e| fail(e.to_string()))?;
                    Ok(token)
                }
                Subcommand::CreateStaff(name, Some(account)) => {
                    let token = auth::new_secret().map_err(fail)?;
                    cds_gateway::console::auth::create_account(
                        conn,
                        &name,
                        &account.login,
                        &account.password,
                        account.agency.as_deref(),
                        &token,
                    )
                    .map_err(|e| fail(e.to_string()))?;
                    Ok(token)
                }
                Subcommand::CreateTeamCode(team_name, ward, valid_days) => {
                    let request = cds_provincial_api::teams::NewTeamCode {
                        team_name,
                        ward,
                        valid_days,
                    };
                    let code = cds_gateway::teams::issue_code(
                        conn,
                        &request,
                        "command line",
                        time::now_ms(),
                    )?;
                    Ok(format!(
                        "{}\t{}\t{}\t{}",
                        code.code, code.team_id, code.team_name, code.expires_at
                    ))
                }
                Subcommand::SeedDossiers(count) => {
                    let now = time::now_ms();
                    let made = seed::dossiers(conn, count, u64::try_from(now).unwrap_or(1), now)
                        .map_err(|e| fail(e.to_string()))?;
                    Ok(format!("seeded {made} dossiers"))
                }
                Subcommand::OpenApi | Subcommand::DeriveAreas | Subcommand::Migrate => {
                    Ok(String::new())
                }
            }
        }))
        .map_err(|err| err.description)?;
    println!("{line}");
    Ok(())
}

impl Args {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut listen = DEFAULT_LISTEN.to_owned();
        let mut data = PathBuf::from("gateway-data");
        let mut public_url = None;
        let mut database = std::env::var(DATABASE_ENV)
            .ok()
            .filter(|url| !url.is_empty());
        let mut media = std::env::var(MEDIA_ENV).ok().filter(|url| !url.is_empty());
        let mut command = None;
        let mut trusted_proxies = Vec::new();
        let mut login = None;
        let mut agency: Option<Option<String>> = None;
        let mut ignore_idempotency_keys = match std::env::var(IGNORE_KEYS_ENV) {
            Err(_) => false,
            Ok(value) => match value.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "" | "0" | "false" | "no" | "off" => false,
                other => return Err(format!("{IGNORE_KEYS_ENV}: not 1 or 0: {other}")),
            },
        };
        while let Some(arg) = args.next() {
            let mut value = |what: &str| args.next().ok_or(format!("{arg} needs {what}"));
            match arg.as_str() {
                "--listen" => listen = value("ADDR:PORT")?,
                "--data" => data = value("a folder")?.into(),
                "--public-url" => public_url = Some(value("a URL")?),
                "--database" => database = Some(value("a postgres:// URL")?),
                "--media" => media = Some(value("an s3://bucket/prefix")?),
                "--trusted-proxy" => {
                    let address = value("an IP address")?;
                    trusted_proxies.push(
                        address.parse().map_err(|_| {
                            format!("--trusted-proxy: not an IP address: {address}")
                        })?,
                    );
                }
                "migrate" if command.is_none() => command = Some(Subcommand::Migrate),
                "--ignore-idempotency-keys" => ignore_idempotency_keys = true,
                "create-api-key" if command.is_none() => {
                    command = Some(Subcommand::CreateApiKey(value("a NAME")?))
                }
                "create-staff" if command.is_none() => {
                    command = Some(Subcommand::CreateStaff(value("a NAME")?, None))
                }
                "--login" => login = Some(value("a LOGIN")?),
                "--agency" => agency = Some(Some(value("an AGENCY")?)),
                "--admin" => agency = Some(None),
                "create-team-code" if command.is_none() => {
                    let team = value("a TEAM name")?;
                    let ward = value("a WARD code")?;
                    let days = value("DAYS")?;
                    let days = days
                        .parse()
                        .map_err(|_| format!("create-team-code: not a number of days: {days}"))?;
                    command = Some(Subcommand::CreateTeamCode(team, ward, days));
                }
                "seed-dossiers" if command.is_none() => {
                    let count = value("a COUNT")?;
                    let count = count
                        .parse()
                        .ok()
                        .filter(|c| (1..=1_000_000).contains(c))
                        .ok_or(format!("seed-dossiers: not a count: {count}"))?;
                    command = Some(Subcommand::SeedDossiers(count));
                }
                "openapi" if command.is_none() => command = Some(Subcommand::OpenApi),
                "derive-areas" if command.is_none() => command = Some(Subcommand::DeriveAreas),
                "-h" | "--help" => return Err("cds-gateway: the reference provincial API".into()),
                other => return Err(format!("unknown argument: {other}")),
            }
        }
        if let Some(login) = login {
            let Some(Subcommand::CreateStaff(name, _)) = command else {
                return Err("--login goes with create-staff".into());
            };
            let agency = agency.ok_or("create-staff --login needs --admin or --agency AGENCY")?;
            command = Some(Subcommand::CreateStaff(
                name,
                Some(Account {
                    login,
                    agency,
                    password: password()?,
                }),
            ));
        }
        let listen = listen
            .parse()
            .map_err(|_| format!("--listen: not an address and port: {listen}"))?;
        Ok(Args {
            command,
            listen,
            data,
            database,
            media,
            public_url,
            ignore_idempotency_keys,
            trusted_proxies,
        })
    }
}

/// The new account's password: `CDS_STAFF_PASSWORD`, else a line of standard input.
fn password() -> Result<String, String> {
    if let Ok(password) = std::env::var("CDS_STAFF_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|err| format!("cannot read the password: {err}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

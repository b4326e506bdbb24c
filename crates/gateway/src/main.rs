//! `cds-gateway`: command line of the reference provincial API server.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use cds_gateway::DEFAULT_LISTEN;

const USAGE: &str = "usage: cds-gateway [--listen ADDR:PORT] [--data DIR]

Serves the provincial API from DIR (created and seeded with the demo province,
Huế, when empty). Listens on 127.0.0.1:8787 unless told otherwise; prints
'listening on http://ADDR' once it accepts connections.";

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cds-gateway: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(cds_gateway::serve(
        args.listen,
        &args.data,
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

struct Args {
    listen: SocketAddr,
    data: PathBuf,
}

impl Args {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut listen = DEFAULT_LISTEN.to_owned();
        let mut data = PathBuf::from("gateway-data");
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--listen" => listen = args.next().ok_or("--listen needs ADDR:PORT")?,
                "--data" => data = args.next().ok_or("--data needs a folder")?.into(),
                "-h" | "--help" => return Err("cds-gateway: the reference provincial API".into()),
                other => return Err(format!("unknown argument: {other}")),
            }
        }
        let listen = listen
            .parse()
            .map_err(|_| format!("--listen: not an address and port: {listen}"))?;
        Ok(Args { listen, data })
    }
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

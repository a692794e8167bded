//! The command line: a subcommand (`serve` when none is given) and, in `--help`, every setting.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "order-server",
    version,
    about = "The order service: a REST API for orders. Configured by environment variables."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// One variant per subcommand; `main` matches on it.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Migrate the database and serve HTTP until SIGTERM or SIGINT (the default).
    Serve,
    /// Print the effective configuration, secrets masked, and exit.
    Config,
    /// Run the database migrations and exit (for deploys that migrate before starting replicas).
    Migrate,
    /// Print a dev token signed with AUTH_JWT_SECRET:
    /// `token --role store --store-id s1 [--sub ...] [--ttl 1h]` (roles: admin, operator, store, customer).
    Token {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

impl Cli {
    /// The parsed command line; `--help`, `--version` and a bad command line end the process here.
    pub fn parse_args() -> Command {
        let command = Cli::command().after_help(crate::settings::help());
        let parsed = command
            .try_get_matches()
            .and_then(|matches| Cli::from_arg_matches(&matches));
        match parsed {
            Ok(cli) => cli.command.unwrap_or(Command::Serve),
            Err(error) => error.exit(),
        }
    }
}

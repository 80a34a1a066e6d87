use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = exportbridge::cli::Cli::parse();
    match exportbridge::cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("exportbridge: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

export const USAGE = `earshot-voice-agent — the Earshot example voice agent and dev console

Usage:
  earshot-voice-agent demo  [--turns N] [--session ID] [--out DIR] [--realtime]
        one conversation printed in the terminal (offline unless GEMINI_API_KEY is set);
        writes the recorded WAV files to --out (default recordings/)
  earshot-voice-agent serve [--port 8080] [--host 127.0.0.1] [--token T]
        the dev console in the browser; prints the URL with its access token

Options for both:
  --model NAME            Gemini Live model (default gemini-live-2.5-flash-preview)
  --otel console|otlp     OpenTelemetry spans and metrics: printed, or exported over OTLP/HTTP
                          (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME)
  --redis-url URL         sessions in Redis (redis://HOST:PORT[/DB]); default in memory
  --s3-bucket NAME        recordings in this S3 bucket; default in memory
  --s3-endpoint URL       an S3-compatible endpoint (MinIO, Ceph RGW …); path-style addressing
  --s3-region REGION      default: AWS_REGION, else us-east-1 with --s3-endpoint
  --s3-access-key KEY     default: AWS_ACCESS_KEY_ID (or the AWS SDK's credential chain)
  --s3-secret-key SECRET  default: AWS_SECRET_ACCESS_KEY
  -h, --help              this text
  -v, --version           the version

Without GEMINI_API_KEY the model is an offline scripted stand-in (FakeLiveServer).
The stores are checked at start; anything wrong stops the CLI with one line and a non-zero exit.`;

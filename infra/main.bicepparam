using 'main.bicep'

// Non-secret settings: edit here. Secrets come from the environment of whoever deploys (never committed):
//   export FUNNEL_LEAD_HASH_KEY=$(openssl rand -base64 48) FUNNEL_CODE_SIGNING_KEY=$(openssl rand -base64 48)
param name = 'funnel'
param authAuthority = readEnvironmentVariable('FUNNEL_AUTH_AUTHORITY', 'https://login.microsoftonline.com/common/v2.0')
param authAudience = readEnvironmentVariable('FUNNEL_AUTH_AUDIENCE', 'api://funnel')
param authPagesClientId = readEnvironmentVariable('FUNNEL_AUTH_PAGES_CLIENT_ID', '')
param authPagesScope = readEnvironmentVariable('FUNNEL_AUTH_PAGES_SCOPE', '')
param leadHashKey = readEnvironmentVariable('FUNNEL_LEAD_HASH_KEY')
param codeSigningKey = readEnvironmentVariable('FUNNEL_CODE_SIGNING_KEY')
param maximumInstanceCount = 100

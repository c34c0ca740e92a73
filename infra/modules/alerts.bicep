// Alerts that mean "something acknowledged may not be done": dead-lettered messages, failed
// journalising, server errors on the API, and slow intake. All go to one action group that
// e-mails the operators. Names of functions and metrics are listed in infra/README.md.

@description('Tags for every resource.')
param tags object = {}

@description('Short prefix for the alert names, e.g. hearings-prod.')
param namePrefix string

@description('Region of the log alerts (the workspace\'s region).')
param location string

@description('Operators\' e-mail address; empty creates the alerts without a recipient.')
param operatorEmail string = ''

@description('Service Bus namespace whose queues are watched for dead letters.')
param serviceBusNamespaceName string

@description('Application Insights component both function apps report to.')
param appInsightsName string

@description('The function app that serves the HTTP API.')
param intakeAppName string

@description('Per cent of API requests answered with a 5xx status that raises the alert.')
param serverErrorPercent int = 1

@description('p95 duration of submit_response, in milliseconds, that raises the alert.')
param intakeP95Milliseconds int = 1000

// The function that files a concluded hearing in the records system, and the custom metric the
// portal reports a journalising failure under (telemetry adds it; the alert already counts it).
var journaliseFunction = 'journalise_hearing'
var journalisingFailureMetric = 'portal.journalising.failures'
var intakeFunction = 'submit_response'

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${namePrefix}-operators'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'portal-ops'
    enabled: true
    emailReceivers: empty(operatorEmail) ? [] : [
      {
        name: 'operators'
        emailAddress: operatorEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-dead-letters'
  location: 'global'
  tags: tags
  properties: {
    description: 'A queue holds dead-lettered messages: work the portal acknowledged has stopped. Replay or resolve them.'
    severity: 1
    enabled: true
    scopes: [
      serviceBus.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-lettered'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
        }
      ]
    }
    actions: [
      {
        actionGroupId: operators.id
      }
    ]
  }
}

var logAlerts = [
  {
    name: 'journalising-failures'
    description: 'Journalising a concluded hearing failed (a failed ${journaliseFunction} run or the ${journalisingFailureMetric} metric). The message is retried, then dead-lettered.'
    severity: 1
    window: 'PT15M'
    query: 'let runs = requests | where name == "${journaliseFunction}" and success == false | summarize failures = todouble(count()); let reported = customMetrics | where name == "${journalisingFailureMetric}" | summarize failures = sum(valueSum); union runs, reported | summarize failures = sum(failures)'
    measure: 'failures'
    threshold: 0
  }
  {
    name: 'api-server-errors'
    description: 'More than ${serverErrorPercent}% of API requests answered 5xx.'
    severity: 2
    window: 'PT5M'
    query: 'requests | where cloud_RoleName =~ "${intakeAppName}" | summarize total = count(), errors = countif(toint(resultCode) >= 500) | where total > 0 | project errorPercent = 100.0 * errors / total'
    measure: 'errorPercent'
    threshold: serverErrorPercent
  }
  {
    name: 'intake-latency'
    description: 'p95 duration of ${intakeFunction} is above ${intakeP95Milliseconds} ms.'
    severity: 2
    window: 'PT5M'
    query: 'requests | where name == "${intakeFunction}" | summarize p95 = percentile(duration, 95)'
    measure: 'p95'
    threshold: intakeP95Milliseconds
  }
]

resource queryAlerts 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for alert in logAlerts: {
  name: 'alert-${namePrefix}-${alert.name}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: alert.window
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Maximum'
          metricMeasureColumn: alert.measure
          operator: 'GreaterThan'
          threshold: alert.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        operators.id
      ]
    }
  }
}]

output actionGroupId string = operators.id

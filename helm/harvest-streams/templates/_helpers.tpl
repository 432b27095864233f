{{/* Chart name, at most 63 characters. */}}
{{- define "harvest.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, with the chart name unless the release name contains it. */}}
{{- define "harvest.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "harvest.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Standard labels of every object. */}}
{{- define "harvest.labels" -}}
helm.sh/chart: {{ include "harvest.chart" . }}
{{ include "harvest.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: harvest-streams
{{- end }}

{{/* Labels that select the instances (pods). */}}
{{- define "harvest.selectorLabels" -}}
app.kubernetes.io/name: {{ include "harvest.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "harvest.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "harvest.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "harvest.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{- define "harvest.secretName" -}}
{{- default (printf "%s-secrets" (include "harvest.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{- define "harvest.isStatefulSet" -}}
{{- if eq .Values.workload "statefulset" }}true{{ end }}
{{- end }}

{{/* The lanes of the pipeline file in values (a list of maps), or fails with what is wrong. */}}
{{- define "harvest.lanes" -}}
{{- $pipeline := fromYaml .Values.pipeline }}
{{- if hasKey $pipeline "Error" }}
{{- fail (printf "pipeline: not valid YAML: %s" $pipeline.Error) }}
{{- end }}
{{- if not $pipeline.lanes }}
{{- fail "pipeline: must have lanes" }}
{{- end }}
{{- toYaml (dict "lanes" $pipeline.lanes) }}
{{- end }}

{{/* Checks of values that would otherwise fail late, in the cluster. */}}
{{- define "harvest.validate" -}}
{{- if not (has .Values.workload (list "statefulset" "deployment")) }}
{{- fail (printf "workload must be statefulset or deployment, was %q" .Values.workload) }}
{{- end }}
{{- if not (has .Values.admission (list "redis" "local")) }}
{{- fail (printf "admission must be redis or local, was %q" .Values.admission) }}
{{- end }}
{{- if le (int .Values.terminationGracePeriodSeconds) 30 }}
{{- fail "terminationGracePeriodSeconds must be longer than the app's 30s shutdown bound" }}
{{- end }}
{{- if and (eq .Values.admission "local") (or .Values.keda.enabled (gt (int .Values.replicaCount) 1)) }}
{{- fail "admission=local holds keys and permits in one process: use a single replica and no KEDA" }}
{{- end }}
{{- end }}

{{/* Environment shared by the instances and the topics Job; call with (dict "root" $ "secretName" NAME). */}}
{{- define "harvest.env" -}}
{{- $v := .root.Values -}}
- name: HARVEST_KAFKA_BOOTSTRAP
  value: {{ $v.kafka.bootstrapServers | quote }}
- name: HARVEST_REDIS_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ .secretName }}, key: redis-password, optional: true }
- name: HARVEST_REDIS_URI
  {{- $scheme := ternary "rediss" "redis" $v.redis.tls }}
  {{- if $v.redis.auth }}
  value: {{ printf "%s://:$(HARVEST_REDIS_PASSWORD)@%s:%d" $scheme $v.redis.host (int $v.redis.port) | quote }}
  {{- else }}
  value: {{ printf "%s://%s:%d" $scheme $v.redis.host (int $v.redis.port) | quote }}
  {{- end }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef: { name: {{ .secretName }}, key: kafka-sasl-username, optional: true }
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ .secretName }}, key: kafka-sasl-password, optional: true }
- name: JAVA_TOOL_OPTIONS
  value: {{ $v.javaToolOptions | quote }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The `data:` of the chart-made Secret: each key is a file under secrets.mountPath. */}}
{{- define "harvest.secretData" -}}
{{- $data := dict }}
{{- with .Values.secrets.redisPassword }}{{ $_ := set $data "redis-password" . }}{{ end }}
{{- with .Values.secrets.kafkaSasl.username }}{{ $_ := set $data "kafka-sasl-username" . }}{{ end }}
{{- with .Values.secrets.kafkaSasl.password }}{{ $_ := set $data "kafka-sasl-password" . }}{{ end }}
{{- range $file, $secret := .Values.secrets.apiKeys }}{{ $_ := set $data $file $secret }}{{ end }}
{{- if $data }}
data:
  {{- range $key, $value := $data }}
  {{ $key }}: {{ $value | toString | b64enc | quote }}
  {{- end }}
{{- end }}
{{- end }}

// cdk8s-plus-27 ships the generated Kubernetes 1.27 classes, so no `cdk8s import k8s` (and no network) is needed.
export * from 'cdk8s-plus-27/lib/imports/k8s';

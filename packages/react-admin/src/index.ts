export { changedFields, type RestDataProviderOptions, restDataProvider, whereOf } from './data-provider.js';

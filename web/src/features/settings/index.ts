export { SettingsRoute } from './routes/settings-route';
